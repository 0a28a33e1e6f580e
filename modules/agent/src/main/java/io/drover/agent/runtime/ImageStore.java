package io.drover.agent.runtime;

import java.io.IOException;
import java.util.Optional;

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
}
