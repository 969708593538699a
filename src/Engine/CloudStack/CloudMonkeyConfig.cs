using System;
using System.Collections.Generic;
using System.IO;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Reads CloudMonkey's INI file (~/.cmk/config): <c>[core]</c> names the current <c>profile</c>; each
    /// profile section has url, apikey, secretkey, timeout (seconds, the async job wait) and verifycert.
    /// Values set in [core] (timeout, verifycert) apply unless the profile sets its own.
    /// </summary>
    public sealed class CloudMonkeyConfig
    {
        private readonly Dictionary<string, Dictionary<string, string>> _sections;

        private CloudMonkeyConfig(string path, Dictionary<string, Dictionary<string, string>> sections)
        {
            Path = path;
            _sections = sections;
        }

        /// <summary>The file the configuration came from.</summary>
        public string Path { get; }

        /// <summary>~/.cmk/config of the current user.</summary>
        public static string DefaultPath() =>
            System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cmk", "config");

        /// <summary>The profile names (every section but [core]).</summary>
        public IReadOnlyList<string> ProfileNames
        {
            get
            {
                var names = new List<string>();
                foreach (var name in _sections.Keys)
                    if (!name.Equals("core", StringComparison.OrdinalIgnoreCase) && name.Length > 0) names.Add(name);
                names.Sort(StringComparer.OrdinalIgnoreCase);
                return names;
            }
        }

        /// <summary>The profile [core] selects, or null when it names none.</summary>
        public string? CurrentProfile => Get("core", "profile");

        public static CloudMonkeyConfig Load(string path)
        {
            if (!File.Exists(path))
                throw new CloudStackSettingsException($"No CloudMonkey configuration at '{path}': create it with 'cmk set profile <name>' or give the endpoint and keys explicitly.");
            return Parse(File.ReadAllText(path), path);
        }

        /// <summary>Parses INI text; <paramref name="path"/> is only used in messages.</summary>
        public static CloudMonkeyConfig Parse(string text, string path = "(text)")
        {
            var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
            var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            sections[""] = current;
            foreach (var raw in (text ?? "").Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
                if (line[0] == '[' && line[line.Length - 1] == ']')
                {
                    string name = line.Substring(1, line.Length - 2).Trim();
                    if (!sections.TryGetValue(name, out current!))
                    {
                        current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        sections[name] = current;
                    }
                    continue;
                }
                int eq = line.IndexOf('=');
                if (eq <= 0) continue; // go-ini tolerates stray lines; so do we
                current[line.Substring(0, eq).Trim()] = Unquote(line.Substring(eq + 1).Trim());
            }
            return new CloudMonkeyConfig(path, sections);
        }

        /// <summary>
        /// Connection settings from profile <paramref name="profile"/> (null: the one [core] selects). Throws
        /// <see cref="CloudStackSettingsException"/> naming the profile and what it lacks.
        /// </summary>
        public CloudStackConnectionSettings ReadProfile(string? profile = null)
        {
            string? name = string.IsNullOrWhiteSpace(profile) ? CurrentProfile : profile!.Trim();
            if (string.IsNullOrWhiteSpace(name))
                throw new CloudStackSettingsException($"'{Path}' selects no profile ([core] profile = ...); name one. Profiles there: {Describe(ProfileNames)}.");
            if (name!.Equals("core", StringComparison.OrdinalIgnoreCase) || !_sections.ContainsKey(name))
                throw new CloudStackSettingsException($"No CloudMonkey profile '{CloudStackException.Clean(name, 100)}' in '{Path}'. Profiles there: {Describe(ProfileNames)}.");

            string? url = Get(name, "url");
            string? apiKey = Get(name, "apikey");
            string? secret = Get(name, "secretkey");
            var missing = new List<string>();
            if (string.IsNullOrWhiteSpace(url)) missing.Add("url");
            if (string.IsNullOrWhiteSpace(apiKey)) missing.Add("apikey");
            if (string.IsNullOrEmpty(secret)) missing.Add("secretkey");
            if (missing.Count > 0)
                throw new CloudStackSettingsException($"CloudMonkey profile '{name}' in '{Path}' has no {string.Join(", ", missing)}; SysVmPatch signs requests with API keys (username/password login is not used).");

            var uri = CloudStackConnectionSettings.ParseEndpoint(url!, $"the url of CloudMonkey profile '{name}'");
            var settings = new CloudStackConnectionSettings
            {
                Name = name,
                Endpoint = uri,
                ApiKey = apiKey!,
                SecretKey = new CloudStackSecret(secret!),
            };
            string? timeout = Get(name, "timeout") ?? Get("core", "timeout");
            if (!string.IsNullOrWhiteSpace(timeout))
                settings = settings.With(jobTimeout: CloudStackConnectionSettings.ParseSeconds(timeout!, $"timeout in CloudMonkey profile '{name}'"));
            string? verify = Get(name, "verifycert") ?? Get("core", "verifycert");
            if (!string.IsNullOrWhiteSpace(verify))
                settings = settings.With(skipCertificateCheck: CloudStackConnectionSettings.IsFalse(verify!));
            settings.ValidateValues(); // an http url is refused where the client is made, unless the caller opted in
            return settings;
        }

        private string? Get(string section, string key) =>
            _sections.TryGetValue(section, out var values) && values.TryGetValue(key, out var v) ? v : null;

        private static string Describe(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

        // go-ini writes values with special characters in quotes or backquotes.
        private static string Unquote(string v)
        {
            if (v.Length >= 6 && v.StartsWith("\"\"\"", StringComparison.Ordinal) && v.EndsWith("\"\"\"", StringComparison.Ordinal))
                return v.Substring(3, v.Length - 6);
            if (v.Length >= 2 && (v[0] == '"' || v[0] == '\'' || v[0] == '`') && v[v.Length - 1] == v[0])
                return v.Substring(1, v.Length - 2);
            return v;
        }
    }
}
