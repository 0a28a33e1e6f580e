package io.drover.control;

/** Marker for messages and events serialized with Jackson CBOR (bound in application.conf). Never Java serialization. */
public interface CborSerializable {}
