package io.drover.control.store;

/**
 * One change seen by a watcher. {@code previous} is the object's state before the change (null for a create),
 * so a watcher with a selector can tell an object entering or leaving its selection. A BOOKMARK has no object:
 * it says every change up to {@code resourceVersion} has been delivered; {@code initialEventsEnd} marks the
 * one that follows the initial ADDED events of a watch that asked for them.
 */
public record WatchEvent(Type type, StoredObject object, StoredObject previous, long resourceVersion,
    boolean initialEventsEnd) {

  public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK }

  public static WatchEvent change(Type type, StoredObject object, StoredObject previous) {
    return new WatchEvent(type, object, previous, object.resourceVersion(), false);
  }

  public static WatchEvent bookmark(long resourceVersion, boolean initialEventsEnd) {
    return new WatchEvent(Type.BOOKMARK, null, null, resourceVersion, initialEventsEnd);
  }
}
