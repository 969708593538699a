using System;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Anything that went wrong talking to a management server. Messages name the connection, the endpoint
    /// (never the query) and the command; they never hold the secret key, and text taken from the server is
    /// cleaned of control characters so a hostile answer cannot drive the terminal.
    /// </summary>
    public class CloudStackException : Exception, Errors.IHasRemedy
    {
        public CloudStackException(string message, string? command, Exception? inner = null) : base(message, inner)
        {
            Command = command;
        }

        /// <summary>The API command that failed, when there was one.</summary>
        public string? Command { get; }

        /// <summary>The connection setting that would fix it, when the message names one.</summary>
        public Errors.EngineOption? Remedy { get; init; }

        /// <summary>
        /// Text from a server made safe to print (<see cref="Text.ConsoleText.Sanitize"/>): escape sequences and
        /// control characters removed, line breaks as spaces, cut at <paramref name="maxLength"/> characters.
        /// </summary>
        public static string Clean(string? text, int maxLength = 500) => Text.ConsoleText.Sanitize(text, maxLength);
    }

    /// <summary>The management server answered with an API error (HTTP 4xx/5xx with errorcode/errortext).</summary>
    public sealed class CloudStackApiException : CloudStackException
    {
        public CloudStackApiException(string message, string command, int httpStatus, int? errorCode, int? csErrorCode, string? errorText)
            : base(message, command)
        {
            HttpStatus = httpStatus;
            ErrorCode = errorCode;
            CsErrorCode = csErrorCode;
            ErrorText = errorText;
        }

        /// <summary>The HTTP status code of the answer.</summary>
        public int HttpStatus { get; }
        /// <summary>CloudStack's errorcode (401, 431, 432, 530, ...), when the body had one.</summary>
        public int? ErrorCode { get; }
        /// <summary>CloudStack's cserrorcode (the Java exception class code), when the body had one.</summary>
        public int? CsErrorCode { get; }
        /// <summary>The server's errortext as sent (may hold anything; print <see cref="Exception.Message"/> instead).</summary>
        public string? ErrorText { get; }

        /// <summary>True when repeating the same request later may succeed (5xx), false for 4xx.</summary>
        public bool IsServerError => HttpStatus >= 500;
    }

    /// <summary>Why a request never got an API answer.</summary>
    public enum CloudStackTransportFailure
    {
        /// <summary>Nothing listens at the endpoint, or the name does not resolve.</summary>
        Unreachable,
        /// <summary>No answer within the request timeout.</summary>
        Timeout,
        /// <summary>The server's TLS certificate was not trusted.</summary>
        CertificateInvalid,
        /// <summary>The connection broke mid-request.</summary>
        ConnectionLost,
        /// <summary>An answer came that is not a CloudStack API answer (not JSON, wrong shape).</summary>
        InvalidResponse,
    }

    /// <summary>A request failed below the API: connection, TLS, timeout or a garbled answer.</summary>
    public sealed class CloudStackTransportException : CloudStackException
    {
        public CloudStackTransportException(string message, string? command, CloudStackTransportFailure failure, Exception? inner = null)
            : base(message, command, inner)
        {
            Failure = failure;
        }

        public CloudStackTransportFailure Failure { get; }
    }

    /// <summary>An async job ended with jobstatus 2.</summary>
    public sealed class CloudStackJobFailedException : CloudStackException
    {
        public CloudStackJobFailedException(string message, string command, string jobId, int? errorCode, string? errorText)
            : base(message, command)
        {
            JobId = jobId;
            ErrorCode = errorCode;
            ErrorText = errorText;
        }

        public string JobId { get; }
        public int? ErrorCode { get; }
        public string? ErrorText { get; }
    }

    /// <summary>An async job was still pending when the job timeout ran out; it may still finish on the server.</summary>
    public sealed class CloudStackJobTimeoutException : CloudStackException
    {
        public CloudStackJobTimeoutException(string message, string command, string jobId) : base(message, command)
        {
            JobId = jobId;
        }

        public string JobId { get; }
    }

    /// <summary>
    /// A command that changes something was sent once and its answer was lost (the connection dropped after the
    /// request went out, a proxy answered 502/504, the answer timed out or was garbled), and CloudStack's job list
    /// did not tell whether it ran. It is never sent again: the operator looks at the VM before repeating it.
    /// </summary>
    public sealed class CloudStackOutcomeUnknownException : CloudStackException
    {
        public CloudStackOutcomeUnknownException(string message, string command, string? instanceId, Exception inner) : base(message, command, inner)
        {
            InstanceId = instanceId;
        }

        /// <summary>The id parameter of the command (the VM, network or VPC it acts on).</summary>
        public string? InstanceId { get; }
    }

    /// <summary>Connection settings are missing or wrong (no profile of that name, endpoint not a URL, ...).</summary>
    public sealed class CloudStackSettingsException : Exception, Errors.IHasRemedy
    {
        public CloudStackSettingsException(string message) : base(message) { }

        /// <summary>The setting that would fix it, when the message names one.</summary>
        public Errors.EngineOption? Remedy { get; init; }
    }
}
