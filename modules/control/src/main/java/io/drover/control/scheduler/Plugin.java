package io.drover.control.scheduler;

/** A scheduling plugin: one concern, named as in kube-scheduler where it has a counterpart there. */
public interface Plugin {
  String name();
}
