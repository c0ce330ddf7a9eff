package org.otter;

/**
 * An error from Otter: the C library's status name (such as {@code "INVALID"},
 * {@code "NOT_FOUND"}, {@code "CORRUPT"}) and its message, which names the bad field or
 * value.
 *
 * <p>Every method of the Java API reports bad arguments (null features, NaN or infinite
 * values or labels, wrong lengths, closed handles, out-of-range key groups, unknown
 * parameters, corrupt blobs) and native failures this way; none of them crashes the JVM.
 * Conditions that are normal in a stream (a label for an event that is unknown or
 * expired, a duplicate reward) are not exceptions: they are {@link EventResult} values.
 * It is unchecked, like {@link IllegalArgumentException}.
 */
public class OtterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String status;
    private final String detail;

    /**
     * Creates an exception (called by the native code, and by Java-side checks).
     *
     * @param status the C status name, as {@code otter_status_name} gives it
     * @param detail the C error message (without the status name)
     */
    public OtterException(String status, String detail) {
        super(status + ": " + detail);
        this.status = status;
        this.detail = detail;
    }

    /**
     * The C status name: OK is never thrown; one of INVALID, PARSE, NOMEM, NOT_FOUND,
     * EXISTS, CONFLICT, CORRUPT, VERSION, UNSUPPORTED, IO, STATE, EXPIRED, INTERNAL.
     *
     * @return the status name
     */
    public String status() {
        return status;
    }

    /**
     * The C error message alone (what {@link #getMessage()} shows after the status name).
     *
     * @return the message
     */
    public String detail() {
        return detail;
    }
}
