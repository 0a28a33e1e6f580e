package io.drover.control.rbac;

/**
 * An authorizer's answer. RBAC only ever allows or has no opinion (it never denies outright): a request it does not
 * allow may still be allowed by another authorizer in a chain, and is refused (403) if none allows it.
 *
 * @param reason on allow, which binding allowed it, e.g. {@code RBAC: allowed by ClusterRoleBinding "cluster-admin"
 *     of ClusterRole "cluster-admin" to Group "system:masters"}; otherwise "" or, when bindings that apply to the
 *     user name roles that do not exist, {@code RBAC: role.rbac.authorization.k8s.io "x" not found}
 */
public record Decision(boolean allowed, String reason) {

  public static Decision allow(String reason) {
    return new Decision(true, reason);
  }

  public static Decision noOpinion(String reason) {
    return new Decision(false, reason);
  }
}
