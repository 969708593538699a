using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace SysVmPatch.LoadContext
{
    /// <summary>
    /// The engine's own load context in PowerShell 7. The cmdlets (in the default context) reference
    /// SysVmPatch.Engine; the default context cannot find it, because it lives in a private folder, and asks its
    /// Resolving event, which this class answers with the engine loaded here. Everything the engine references is
    /// then looked up here first, in that folder: SSH.NET and its dependencies load here even when another module
    /// has put an older Renci.SshNet into the default context, and ours never become visible to that module.
    /// Only the engine's types cross into the default context, since the cmdlets use them.
    /// </summary>
    public sealed class EngineLoadContext : AssemblyLoadContext
    {
        /// <summary>The one assembly served to the default context.</summary>
        public const string EngineAssemblyName = "SysVmPatch.Engine";

        private static readonly object Gate = new object();
        private static EngineLoadContext? _instance;

        private readonly string _folder;

        private EngineLoadContext(string folder) : base("SysVmPatch", isCollectible: false) => _folder = folder;

        /// <summary>
        /// Creates the context over <paramref name="folder"/> and serves the engine to the default context. Once per
        /// process: an assembly never unloads, so a module imported again (Import-Module -Force) keeps the first
        /// context; a second folder is refused rather than silently mixing two engines.
        /// </summary>
        /// <returns>The engine, loaded here.</returns>
        public static Assembly Register(string folder)
        {
            if (string.IsNullOrEmpty(folder)) throw new ArgumentException("The engine's folder is required.", nameof(folder));
            string full = Path.GetFullPath(folder);
            lock (Gate)
            {
                if (_instance != null)
                {
                    if (string.Equals(_instance._folder, full, StringComparison.Ordinal)) return _instance.Engine;
                    throw new InvalidOperationException(
                        $"This process already loaded SysVmPatch's engine from {_instance._folder}; it cannot load a second one from {full}. Start a new session to use the other SysVmPatch.");
                }
                _instance = new EngineLoadContext(full);
                Default.Resolving += ServeEngine;
                return _instance.Engine;
            }
        }

        private Assembly Engine => LoadFromAssemblyPath(Path.Combine(_folder, EngineAssemblyName + ".dll"));

        private static Assembly? ServeEngine(AssemblyLoadContext requester, AssemblyName name) =>
            string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal) && _instance != null
                ? _instance.LoadFromAssemblyName(name)
                : null;

        /// <summary>
        /// An assembly in the folder loads here; anything else (the runtime's own System.*, PowerShell's) comes from the
        /// default context, as returning null asks.
        /// </summary>
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name == null) return null;
            string path = Path.Combine(_folder, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
