using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SysVmPatch.Loader
{
    /// <summary>
    /// Loads the engine and its dependencies (SSH.NET, BouncyCastle, ...) from the module's private Dependencies
    /// folder, so that another module's older copies of them (Posh-SSH ships its own Renci.SshNet) neither break
    /// SysVmPatch nor are broken by it. PowerShell 7: a private AssemblyLoadContext over Dependencies/Core (the net8.0
    /// engine), made by SysVmPatch.LoadContext.dll. Windows PowerShell 5.1: an AssemblyResolve handler over
    /// Dependencies/Desktop (the netstandard2.0 engine). Runs as the nested module SysVmPatch.psd1 imports first,
    /// because PowerShell loads the engine while it reads the cmdlets' types, before their own initializer could run.
    /// </summary>
    public sealed class DependencyLoader : IModuleAssemblyInitializer
    {
        /// <summary>The folder beside the module's dlls that the default loader never looks into.</summary>
        internal const string FolderName = "Dependencies";

        /// <summary>Called by PowerShell when it imports this nested module, before it loads the cmdlets.</summary>
        public void OnImport()
        {
            string moduleFolder = Path.GetDirectoryName(typeof(DependencyLoader).Assembly.Location) ?? "";
            string dependencies = Path.Combine(moduleFolder, FolderName);
            // A build output folder has the engine beside the cmdlets, where the default loader finds it: nothing to do.
            if (!Directory.Exists(dependencies)) return;
            // PowerShell 7.2 and 7.3 run on .NET 6 and 7, which cannot load the net8.0 engine: say so before PowerShell
            // fails on the cmdlets with a load error that names neither.
            if (!IsNetFramework && Environment.Version.Major < 8)
                throw new PlatformNotSupportedException($"SysVmPatch needs PowerShell 7.4 or later (.NET 8) or Windows PowerShell 5.1; this PowerShell runs on .NET {Environment.Version}.");
            string engineFolder = Path.Combine(dependencies, IsNetFramework ? "Desktop" : "Core");
            // Said here rather than as PowerShell's "could not load SysVmPatch.Engine" once it reads the cmdlets.
            if (!File.Exists(Path.Combine(engineFolder, "SysVmPatch.Engine.dll")))
                throw new FileNotFoundException($"SysVmPatch's engine is missing from {engineFolder}; the module is incomplete: reinstall it.", Path.Combine(engineFolder, "SysVmPatch.Engine.dll"));
            if (IsNetFramework) DesktopAssemblyResolver.Register(engineFolder);
            else RegisterCoreLoadContext(moduleFolder, engineFolder);
        }

        private static bool IsNetFramework =>
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        // Through reflection: this assembly builds for netstandard2.0 (it must load in Windows PowerShell too), where
        // AssemblyLoadContext does not exist.
        private static void RegisterCoreLoadContext(string moduleFolder, string engineFolder)
        {
            string loaderPath = Path.Combine(moduleFolder, "SysVmPatch.LoadContext.dll");
            Type context = Assembly.LoadFrom(loaderPath).GetType("SysVmPatch.LoadContext.EngineLoadContext", throwOnError: true)!;
            MethodInfo register = context.GetMethod("Register", new[] { typeof(string) })
                ?? throw new MissingMethodException(context.FullName, "Register");
            Assembly engine;
            try { engine = (Assembly)register.Invoke(null, new object[] { engineFolder })!; }
            catch (TargetInvocationException ex) when (ex.InnerException != null)
            {
                // The loader's own message (which folder, what is missing) rather than "exception has been thrown by the target".
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
            EngineTypeNames.Publish(engine);
        }
    }
}
