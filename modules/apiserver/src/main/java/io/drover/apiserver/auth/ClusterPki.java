package io.drover.apiserver.auth;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority, in the layout kubeadm uses: {@code ca.crt} and {@code ca.key} in a directory
 * every member shares (or holds a copy of). The first member to start generates it; a user can put their own CA
 * there before. It issues the members' serving certificates (generated at each start, never written) and client
 * certificates (the kubeconfig's, the members' own), and holds the key ServiceAccount tokens are signed with
 * ({@code sa.key}).
 */
public final class ClusterPki {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  /** How long a member waits for another member that is writing the CA at the same moment. */
  private static final Duration CREATE_WAIT = Duration.ofSeconds(30);

  private final Path dir;
  private final X509Certificate caCertificate;
  private final PrivateKey caKey;
  private final KeyPair serviceAccountKeys;

  private ClusterPki(Path dir, X509Certificate caCertificate, PrivateKey caKey, KeyPair serviceAccountKeys) {
    this.dir = dir;
    this.caCertificate = caCertificate;
    this.caKey = caKey;
    this.serviceAccountKeys = serviceAccountKeys;
  }

  /** A certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    public String certificatePem() {
      return pem(certificate);
    }

    public String keyPem() {
      return pem(key);
    }
  }

  /**
   * Loads the CA and the ServiceAccount signing key from {@code dir}, generating what is missing. Members starting
   * at once on one directory all end up with the first one written: each file appears through a hard link, which
   * fails when it exists, and the CA's certificate is written only by the member whose key won.
   */
  public static ClusterPki loadOrCreate(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path caKeyFile = dir.resolve("ca.key");
    Path caCertFile = dir.resolve("ca.crt");
    try {
      if (!Files.exists(caKeyFile)) {
        KeyPair keys = newKeyPair();
        X509Certificate ca = selfSigned(keys, "drover-ca");
        if (createExclusively(caKeyFile, pem(keys.getPrivate()), "rw-------")) {
          createExclusively(caCertFile, pem(ca), "rw-r--r--");
        }
      }
      X509Certificate ca = certificate(awaitFile(caCertFile));
      PrivateKey key = privateKey(Files.readString(caKeyFile), caKeyFile);
      Path saKeyFile = dir.resolve("sa.key");
      if (!Files.exists(saKeyFile)) createExclusively(saKeyFile, pem(newKeyPair().getPrivate()), "rw-------");
      KeyPair serviceAccounts = keyPair(Files.readString(saKeyFile), saKeyFile);
      return new ClusterPki(dir, ca, key, serviceAccounts);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the cluster CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Where the CA lives. */
  public Path dir() {
    return dir;
  }

  public X509Certificate caCertificate() {
    return caCertificate;
  }

  public String caCertificatePem() {
    return pem(caCertificate);
  }

  /** The key pair ServiceAccount tokens are signed and checked with (sa.key). */
  public KeyPair serviceAccountKeys() {
    return serviceAccountKeys;
  }

  /** A serving certificate for these host names and addresses (TLS server authentication). */
  public Issued issueServing(String commonName, List<String> dnsNames, List<InetAddress> addresses,
      Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
    addresses.forEach(address -> names.add(new GeneralName(GeneralName.iPAddress,
        new org.bouncycastle.asn1.DEROctetString(address.getAddress()))));
    return issue(commonName, List.of(), names, List.of(KeyPurposeId.id_kp_serverAuth), validity, ecKeyPair());
  }

  /**
   * A client certificate as Kubernetes reads one: the common name is the user, each organization a group.
   */
  public Issued issueClient(String user, List<String> groups, Duration validity) {
    return issue(user, groups, List.of(), List.of(KeyPurposeId.id_kp_clientAuth), validity, ecKeyPair());
  }

  /**
   * A cluster member's certificate for member-to-member TLS, where each side is both client and server: an RSA key
   * (Pekko's PEM reader, which the Artery TLS provider uses, reads RSA keys only), both key purposes, and the common
   * name as its only subject name (the provider admits a peer whose certificate shares a subject name with its own).
   */
  public Issued issueMember(String commonName, Duration validity) {
    return issue(commonName, List.of(), List.of(), List.of(KeyPurposeId.id_kp_serverAuth,
        KeyPurposeId.id_kp_clientAuth), validity, rsaKeyPair());
  }

  private Issued issue(String commonName, List<String> organizations, List<GeneralName> altNames,
      List<KeyPurposeId> purposes, Duration validity, KeyPair keys) {
    try {
      X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
      organizations.forEach(group -> subject.addRDN(BCStyle.O, group));
      subject.addRDN(BCStyle.CN, commonName);
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate,
          new BigInteger(127, RANDOM), Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)),
          subject.build(), keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
          | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions.createAuthorityKeyIdentifier(caCertificate));
      if (!altNames.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(altNames.toArray(GeneralName[]::new)));
      }
      return new Issued(sign(builder, caKey), keys.getPrivate());
    } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
    }
  }

  /**
   * A TLS context presenting {@code identity} (when not null) and trusting certificates of this CA only: the API
   * server's (which then checks client certificates against the CA) and the members' clients.
   */
  public SSLContext sslContext(Issued identity) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("drover-ca", caCertificate);
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      KeyManagerFactory keyManagers = null;
      if (identity != null) {
        char[] password = UUID.randomUUID().toString().toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("identity", identity.key(), password,
            new java.security.cert.Certificate[] {identity.certificate(), caCertificate});
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(),
          RANDOM);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }

  /** A certificate and key from PEM files (a serving certificate the user brings). */
  public static Issued load(Path certificateFile, Path keyFile) throws IOException {
    try {
      return new Issued(certificate(Files.readString(certificateFile)), privateKey(Files.readString(keyFile),
          keyFile));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read " + certificateFile + " and " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    // ECDSA P-256: quick to generate at every start, and accepted by Go's TLS stack (kubectl) and JWT (ES256).
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static KeyPair ecKeyPair() {
    try {
      return newKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC key: " + e.getMessage(), e);
    }
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an RSA key: " + e.getMessage(), e);
    }
  }

  private static X509Certificate selfSigned(KeyPair keys, String commonName) throws GeneralSecurityException {
    try {
      X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(127, RANDOM),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
          | KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return sign(builder, keys.getPrivate());
    } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key)
      throws org.bouncycastle.operator.OperatorCreationException, GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  /** Writes a file owner-only, unless it exists; answers whether this call wrote it. */
  private static boolean createExclusively(Path file, String content, String permissions) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
    try {
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(permissions));
      Files.writeString(temp, content);
      Files.createLink(file, temp);
      return true;
    } catch (FileAlreadyExistsException taken) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The content of a file another member may be writing just now. */
  private static String awaitFile(Path file) throws IOException {
    long deadline = System.nanoTime() + CREATE_WAIT.toNanos();
    while (!Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        throw new IOException(file + " is missing next to its key: put the CA's certificate there (PEM)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + file, e);
      }
    }
    return Files.readString(file);
  }

  static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      // EC keys as openssl and kubeadm write them ("EC PRIVATE KEY", SEC1 with the curve and the public point):
      // Java's own encoding leaves both out, and some clients (fabric8) read only this form.
      if (object instanceof java.security.interfaces.ECPrivateKey key) {
        writer.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1(key)));
      } else {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /** SEC1 ECPrivateKey with the named curve and the public key. */
  private static byte[] sec1(java.security.interfaces.ECPrivateKey key) throws IOException {
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
    org.bouncycastle.asn1.ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
    org.bouncycastle.math.ec.ECPoint q = publicPoint(key);
    return new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(),
        new org.bouncycastle.asn1.DERBitString(q.getEncoded(false)), curve).getEncoded();
  }

  /** Q = d·G on the key's own (named) curve, computed with Bouncy Castle's curve arithmetic. */
  private static org.bouncycastle.math.ec.ECPoint publicPoint(java.security.interfaces.ECPrivateKey key) {
    org.bouncycastle.jce.spec.ECParameterSpec curve = org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util
        .convertSpec(key.getParams());
    return curve.getG().multiply(key.getS()).normalize();
  }

  static X509Certificate certificate(String pem) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object read = parser.readObject();
      if (!(read instanceof X509CertificateHolder holder)) throw new GeneralSecurityException("no certificate");
      return new JcaX509CertificateConverter().getCertificate(holder);
    }
  }

  private static PrivateKey privateKey(String pem, Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object read = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (read instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo());
      if (read instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
      throw new GeneralSecurityException(file + " holds no unencrypted private key");
    }
  }

  /** An EC key pair from its private key (the PEM Java writes holds no public point: it is computed). */
  private static KeyPair keyPair(String pem, Path file) throws IOException, GeneralSecurityException {
    PrivateKey key = privateKey(pem, file);
    if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) {
      throw new GeneralSecurityException(file + " holds no EC private key");
    }
    org.bouncycastle.math.ec.ECPoint q = publicPoint(ec);
    java.security.PublicKey publicKey = java.security.KeyFactory.getInstance("EC").generatePublic(
        new java.security.spec.ECPublicKeySpec(new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(),
            q.getAffineYCoord().toBigInteger()), ec.getParams()));
    return new KeyPair(publicKey, key);
  }

}
