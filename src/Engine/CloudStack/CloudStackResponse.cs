using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Turns raw HTTP answers into the object inside "&lt;command&gt;response", or into the exception that says
    /// what went wrong. Tolerates any body: HTML from a proxy, truncated JSON, hostile text.
    /// </summary>
    internal static class CloudStackResponse
    {
        public const string SignatureErrorText = "unable to verify user credentials and/or request signature";

        /// <summary>The wrapped object of a 2xx answer, or throws.</summary>
        public static IDictionary<string, object?> Unwrap(string command, int status, string body, Uri endpoint, CloudStackSecret secret)
        {
            object? parsed;
            try { parsed = JsonReader.Parse(body); }
            catch (FormatException e)
            {
                throw new CloudStackTransportException(
                    secret.Scrub($"{command} at {endpoint} answered HTTP {status} with something that is not JSON ({e.Message} Start: '{CloudStackException.Clean(body, 120)}'). Is the endpoint the API URL (…/client/api)?"),
                    command, CloudStackTransportFailure.InvalidResponse, e);
            }
            var inner = FindWrapped(command, parsed);
            if (inner is null)
                throw new CloudStackTransportException(
                    secret.Scrub($"{command} at {endpoint} answered with JSON that is not a CloudStack response (no \"{command.ToLowerInvariant()}response\" object). Start: '{CloudStackException.Clean(body, 120)}'."),
                    command, CloudStackTransportFailure.InvalidResponse);
            if (inner.ContainsKey("errorcode") && inner.ContainsKey("errortext"))
                throw ApiError(command, status, inner, endpoint, secret);
            return inner;
        }

        /// <summary>The exception for a non-2xx answer, whatever its body holds.</summary>
        public static CloudStackApiException FromErrorStatus(string command, int status, string? reason, string body, Uri endpoint, CloudStackSecret secret)
        {
            IDictionary<string, object?>? inner = null;
            try { inner = FindWrapped(command, JsonReader.Parse(body)); }
            catch (FormatException) { }
            if (inner != null) return ApiError(command, status, inner, endpoint, secret);
            string text = string.IsNullOrWhiteSpace(body) ? (reason ?? "") : StripMarkup(body);
            if (string.IsNullOrWhiteSpace(text)) text = reason ?? "";
            return Build(command, status, null, null, text, endpoint, secret, fromJson: false);
        }

        // A proxy's or servlet container's error page: its text says what happened, its tags say nothing.
        private static string StripMarkup(string body)
        {
            string trimmed = body.TrimStart();
            if (!trimmed.StartsWith("<", StringComparison.Ordinal)) return body;
            var sb = new System.Text.StringBuilder();
            bool inTag = false, lastWasSpace = true;
            foreach (char c in trimmed)
            {
                if (c == '<') { inTag = true; continue; }
                if (c == '>') { inTag = false; if (!lastWasSpace) { sb.Append(' '); lastWasSpace = true; } continue; }
                if (inTag) continue;
                bool space = char.IsWhiteSpace(c);
                if (space && lastWasSpace) continue;
                sb.Append(space ? ' ' : c);
                lastWasSpace = space;
            }
            return sb.ToString().Trim();
        }

        private static CloudStackApiException ApiError(string command, int status, IDictionary<string, object?> inner, Uri endpoint, CloudStackSecret secret)
        {
            int? code = ToInt(inner.GetLong("errorcode"));
            int? csCode = ToInt(inner.GetLong("cserrorcode"));
            return Build(command, status, code, csCode, inner.GetString("errortext"), endpoint, secret, fromJson: true);
        }

        private static CloudStackApiException Build(string command, int status, int? code, int? csCode, string? text, Uri endpoint, CloudStackSecret secret, bool fromJson)
        {
            string safeText = CloudStackException.Clean(secret.Scrub(text), fromJson ? 500 : 160);
            string codes = code.HasValue ? $"HTTP {status}, errorcode {code}" : $"HTTP {status}";
            if (csCode.HasValue) codes += $", cserrorcode {csCode}";
            int effective = code ?? status;
            string message;
            if (effective == 401)
                message = $"CloudStack at {endpoint} refused {command} ({codes}): {Or(safeText, SignatureErrorText)}. Check the API key and secret key, "
                    + "that the keys belong to an enabled user, and that this computer's clock is right (signed requests carry an expiry time).";
            else if (effective == 432)
                message = $"CloudStack at {endpoint} does not offer {command} to this account ({codes}): {Or(safeText, "API not available")}. "
                    + "SysVmPatch needs the keys of a root admin account, and the API must be enabled for its role.";
            else if (effective == 530)
                message = $"{command} failed on the management server {endpoint} ({codes}): {Or(safeText, "internal error")}";
            else if (effective == 431)
                message = $"CloudStack at {endpoint} rejected the parameters of {command} ({codes}): {Or(safeText, "invalid parameter")}";
            else if (status >= 500)
                message = $"{command} failed at {endpoint} with a server error ({codes}): {Or(safeText, "no details")}";
            else
                message = $"{command} failed at {endpoint} ({codes}): {Or(safeText, "no details")}";
            return new CloudStackApiException(secret.Scrub(message), command, status, code, csCode, text is null ? null : secret.Scrub(text));
        }

        private static string Or(string text, string fallback) => string.IsNullOrWhiteSpace(text) ? fallback : text;

        private static int? ToInt(long? v) => v.HasValue && v.Value >= int.MinValue && v.Value <= int.MaxValue ? (int)v.Value : (int?)null;

        /// <summary>
        /// The object under "&lt;command lowercased&gt;response"; failing that the single object of the root
        /// (some commands name their wrapper differently, errors may say "errorresponse").
        /// </summary>
        private static IDictionary<string, object?>? FindWrapped(string command, object? parsed)
        {
            if (parsed is not IDictionary<string, object?> root) return null;
            string expected = command.ToLowerInvariant() + "response";
            foreach (var pair in root)
                if (string.Equals(pair.Key, expected, StringComparison.OrdinalIgnoreCase) && pair.Value is IDictionary<string, object?> direct)
                    return direct;
            if (root.Count == 1)
                foreach (var pair in root)
                    if (pair.Value is IDictionary<string, object?> only && pair.Key.EndsWith("response", StringComparison.OrdinalIgnoreCase))
                        return only;
            return null;
        }

        public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
    }
}
