package io.drover.agent.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The images of a runtime that runs them (kubelet's view of CRI's ImageService). The agent decides when to pull,
 * following the container's imagePullPolicy, and reports failures as ErrImagePull / ImagePullBackOff.
 */
public interface ImageStore {

  /** An image on this node: its reference by digest (status imageID) and its size. */
  record Image(String ref, long sizeBytes) {}

  /**
   * Registry credentials from an image pull secret. {@code auth} is base64 of user:password as docker config files
   * hold it; either it or username and password are set.
   */
  record Credentials(String server, String username, String password, String auth) {}

  /** The image if this node has it. */
  Optional<Image> status(String image) throws IOException;

  /**
   * Pulls the image (with the credentials, or anonymously when null) and answers it once it is on this node.
   *
   * @throws IOException with the registry's or runtime's message when the pull failed
   */
  Image pull(String image, Credentials credentials) throws IOException;

  /** An image the runtime holds: its id, its tags and digests, its size, and whether the runtime pins it. */
  record StoredImage(String id, List<String> names, long sizeBytes, boolean pinned) {}

  /** Every image the runtime holds (all nodes' when nodes share a runtime). */
  List<StoredImage> listImages() throws IOException;

  /**
   * The ids and names of images that must stay: those any container of the runtime was created from, whichever
   * node's, and the runtime's sandbox (pause) image.
   */
  Set<String> imagesInUse() throws IOException;

  /** Removes the image (by id); an image already gone is fine. */
  void removeImage(String id) throws IOException;

  /** The file system the runtime keeps images on, when it says. */
  Optional<Path> imageFilesystem() throws IOException;
}
