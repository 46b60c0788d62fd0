package chatapp.chat.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says what is wrong with a request the contract refused, one entry per field: the JSON-schema
 * validator's precise errors, without the enclosing ones it also reports, and for a value that
 * does not match its pattern, what the contract says the value should be.
 */
final class ContractErrors {

  private static final Pattern PARAMETER = Pattern.compile("(path|query|header|cookie) parameter (\\S+)");
  private static final Pattern REQUIRED = Pattern.compile("required property \"?([^\"\\s]+)\"?");
  private static final Pattern UNKNOWN = Pattern.compile("Property \"([^\"]+)\" does not match additional properties schema");
  private static final Pattern WRAPPER = Pattern.compile("does not match schema|subschema had errors");

  private final JsonObject contract;

  ContractErrors(JsonObject contract) {
    this.contract = contract;
  }

  Problem problem(SchemaValidationException e) {
    List<OutputUnit> leaves = new ArrayList<>();
    collect(e.getOutputUnit(), leaves);
    JsonArray errors = new JsonArray();
    List<JsonObject> unknown = new ArrayList<>();
    for (OutputUnit unit : leaves) {
      String message = unit.getError();
      Matcher extra = UNKNOWN.matcher(message);
      if (extra.find()) {
        // Reported for a property that is not declared, but also for a declared one whose value is
        // wrong: it means "unknown field" only when nothing else is said about that field.
        unknown.add(new JsonObject().put("field", extra.group(1)).put("message", "is not a field of this request"));
      } else if (!WRAPPER.matcher(message).find()) {
        add(errors, new JsonObject().put("field", field(unit, e)).put("message", message + explanation(unit, message)));
      }
    }
    for (JsonObject error : unknown) {
      if (errors.stream().noneMatch(o -> ((JsonObject) o).getString("field").equals(error.getString("field")))) {
        add(errors, error);
      }
    }
    if (errors.isEmpty()) {
      Matcher parameter = PARAMETER.matcher(e.getMessage());
      errors.add(new JsonObject().put("field", parameter.find() ? parameter.group(2) : "body").put("message", e.getMessage()));
    }
    StringBuilder detail = new StringBuilder("the request does not fit the API contract:");
    for (int i = 0; i < errors.size(); i++) {
      JsonObject err = errors.getJsonObject(i);
      detail.append(i == 0 ? " " : "; ").append(err.getString("field")).append(": ").append(err.getString("message"));
    }
    return new Problem(400, detail.toString(), errors);
  }

  private static void add(JsonArray errors, JsonObject error) {
    if (!errors.contains(error)) {
      errors.add(error);
    }
  }

  private static void collect(OutputUnit unit, List<OutputUnit> out) {
    if (unit == null) {
      return;
    }
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      if (unit.getError() != null) {
        out.add(unit);
      }
      return;
    }
    for (OutputUnit child : unit.getErrors()) {
      collect(child, out);
    }
  }

  /** The field: the missing property, else the JSON pointer into the body, else the parameter's name. */
  private static String field(OutputUnit unit, SchemaValidationException e) {
    Matcher missing = REQUIRED.matcher(unit.getError());
    String location = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation().replaceFirst("^#?/?", "");
    if (missing.find()) {
      return location.isEmpty() ? missing.group(1) : location + "/" + missing.group(1);
    }
    if (!location.isEmpty()) {
      return location;
    }
    Matcher parameter = PARAMETER.matcher(e.getMessage());
    return parameter.find() ? parameter.group(2) : "body";
  }

  /** For a pattern mismatch, the schema's own description of the values it takes (from the contract). */
  private String explanation(OutputUnit unit, String message) {
    String where = unit.getAbsoluteKeywordLocation();
    if (!message.contains("pattern") || where == null || !where.contains("#")) {
      return "";
    }
    try {
      String pointer = where.substring(where.indexOf('#') + 1).replaceFirst("/pattern$", "");
      Object schema = JsonPointer.from(pointer).queryJson(contract);
      if (schema instanceof JsonObject s && s.getString("description") != null) {
        return " (" + s.getString("description") + ")";
      }
    } catch (IllegalArgumentException e) {
      // No explanation then: the error itself stands.
    }
    return "";
  }
}
