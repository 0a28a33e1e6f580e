package io.drover.apiserver.auth;

import java.util.List;
import java.util.Map;

/** Who made a request, as Kubernetes' user.Info: a name, a uid, groups and extra attributes. */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
  public static final String ANONYMOUS = "system:anonymous";
  public static final String AUTHENTICATED = "system:authenticated";
  public static final String UNAUTHENTICATED = "system:unauthenticated";
  public static final String MASTERS = "system:masters";

  public UserInfo {
    groups = List.copyOf(groups);
    extra = Map.copyOf(extra);
  }

  /** An authenticated user: every one of them is also in system:authenticated. */
  public static UserInfo authenticated(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
    List<String> all = new java.util.ArrayList<>(groups);
    if (!all.contains(AUTHENTICATED)) all.add(AUTHENTICATED);
    return new UserInfo(name, uid, all, extra);
  }

  public static UserInfo anonymous() {
    return new UserInfo(ANONYMOUS, "", List.of(UNAUTHENTICATED), Map.of());
  }

  public boolean isAnonymous() {
    return name.equals(ANONYMOUS);
  }
}
