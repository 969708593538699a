using System;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace SysVmPatch.Loader
{
    /// <summary>
    /// PowerShell 7 resolves a type name in a script ([SysVmPatch.Engine.Inventory.SystemVm], -is, -as, a cast) only in
    /// the default load context, so the engine's types, loaded in the module's own context, would not be found by name
    /// although every object the cmdlets emit is one of them. Each public engine type is published under its full name
    /// as a type accelerator, the way about_Classes exports a module's classes. Only the engine's own types: SSH.NET's
    /// and the other dependencies' stay private.
    /// </summary>
    internal static class EngineTypeNames
    {
        internal static void Publish(Assembly engine)
        {
            Type accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators", throwOnError: true)!;
            MethodInfo add = accelerators.GetMethod("Add", new[] { typeof(string), typeof(Type) })
                ?? throw new MissingMethodException(accelerators.FullName, "Add");
            // Left in place when the module is removed: the engine stays loaded for the life of the process (an
            // assembly never unloads), and a module imported again publishes the same types under the same names.
            foreach (Type type in engine.GetExportedTypes().Where(t => !t.IsNested && t.FullName != null))
                add.Invoke(null, new object[] { type.FullName!, type });
        }
    }
}
