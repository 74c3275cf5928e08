package dev.tracegate.linkage;

/**
 * The classic tracing failures the linkage audit finds (SPEC §10). The names are the contract: they
 * key {@code /linkage} and label {@code tracegate_linkage_violations_total{kind}}.
 */
public enum Violation {
  ORPHAN(
      "orphan",
      "a span whose parent is neither in its trace nor a remote caller: Jaeger shows it as a "
          + "second root and warns of an invalid parent"),
  UNENDED(
      "unended",
      "a span started for a request that has finished and never ended: it never reaches "
          + "Jaeger, and its children hang from a parent that is not there"),
  OUTLIVED_PARENT(
      "outlived_parent",
      "a child that ends after its parent ended (the parent was ended before "
          + "the async work it covers); only PRODUCER -> CONSUMER may do that"),
  ERROR_UNSET(
      "error_unset",
      "an exception recorded on a span whose status is not ERROR: Jaeger does not "
          + "paint it red, so the failure hides"),
  SPLIT_REQUEST(
      "split_request",
      "one X-Request-Id in more than one trace: the wrong context was passed "
          + "(Context.root() or none), so one request became two trees"),
  CLOCK(
      "clock",
      "a child that starts more than 1 ms before its parent: a back-dated timestamp or "
          + "clock skew between hosts");

  private final String key;
  private final String meaning;

  Violation(String key, String meaning) {
    this.key = key;
    this.meaning = meaning;
  }

  public String key() {
    return key;
  }

  public String meaning() {
    return meaning;
  }
}
