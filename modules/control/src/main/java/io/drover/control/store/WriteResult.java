package io.drover.control.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The object a write left (with its resourceVersion unless dry-run), whether it was created, and warnings for
 * the response's Warning headers.
 */
public record WriteResult(ObjectNode object, boolean created, List<String> warnings) {}
