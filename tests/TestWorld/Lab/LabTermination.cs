using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Tears live labs down when the process is told to stop (SIGINT, SIGTERM, SIGHUP) or exits without having
    /// disposed them, so a failed or interrupted test run leaves no namespaces, mounts or sshds behind.
    /// SIGKILL cannot be caught: what it leaves is removed by the next <see cref="Lab.StartAsync"/>.
    /// </summary>
    internal static class LabTermination
    {
        private static readonly object Gate = new();
        private static readonly List<Lab> Live = new();
        private static List<PosixSignalRegistration>? _registrations;

        public static void Register(Lab lab)
        {
            lock (Gate)
            {
                Live.Add(lab);
                if (_registrations != null) return;
                _registrations = new List<PosixSignalRegistration>();
                foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
                    _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TearDownAll();
            }
        }

        public static void Unregister(Lab lab)
        {
            lock (Gate) Live.Remove(lab);
        }

        // Not cancelled: after the teardown the default action (terminate) proceeds.
        private static void OnSignal(PosixSignalContext context) => TearDownAll();

        private static void TearDownAll()
        {
            List<Lab> labs;
            lock (Gate) labs = new List<Lab>(Live);
            foreach (var lab in labs)
            {
                try { lab.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
                catch (Exception e) { Console.Error.WriteLine("lab teardown failed: " + e.Message); }
            }
        }
    }
}
