package io.drover.control.security;

import java.util.List;

/**
 * What a node needs to give pods their ServiceAccount credentials, as kubelet gets them from the TokenRequest API:
 * signed tokens bound to a pod, and the cluster CA that pods trust the API with. The server implements it with the
 * cluster's signing key; everything else only sees this interface.
 */
public interface ServiceAccountTokens {
  /**
   * A signed token (a JWT) for the ServiceAccount, bound to the pod: valid for {@code expirationSeconds} and only as
   * long as the pod exists.
   */
  String issue(TokenRequest request);

  /** The cluster CA certificate(s) in PEM: the {@code ca.crt} of kube-root-ca.crt and of every token volume. */
  String caCertificatePem();

  /**
   * Who a token is for: the ServiceAccount, the pod or Secret it is bound to (empty names for none), how long it is
   * valid, and its audiences (none: the API's own, the issuer).
   */
  record TokenRequest(String namespace, String serviceAccountName, String serviceAccountUid, String podName,
      String podUid, long expirationSeconds, List<String> audiences, String secretName, String secretUid) {
    public TokenRequest {
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
    }

    /** A token for a pod's projected volume, as the node agent asks: bound to the pod, for the API's audience. */
    public TokenRequest(String namespace, String serviceAccountName, String serviceAccountUid, String podName,
        String podUid, long expirationSeconds) {
      this(namespace, serviceAccountName, serviceAccountUid, podName, podUid, expirationSeconds, List.of(), "", "");
    }
  }
}
