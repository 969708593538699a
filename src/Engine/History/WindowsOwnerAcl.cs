using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Gives a file or folder on Windows a protected DACL (nothing inherited) with one entry: the current user, full
    /// control; a folder's entry is inherited by what is created in it. Written against advapi32 directly, not the
    /// System.IO.FileSystem.AccessControl package: the engine ships as netstandard2.0, where that package's library is
    /// a stub that throws PlatformNotSupportedException (its working build is a Windows runtime asset a
    /// netstandard2.0 module does not get), and Windows PowerShell 5.1 would load that stub.
    /// </summary>
    internal static class WindowsOwnerAcl
    {
        /// <summary>The SDDL of the protected DACL: the user <paramref name="userSid"/>, full access; inherited in a folder.</summary>
        public static string Sddl(string userSid, bool folder)
        {
            if (userSid is null || !userSid.StartsWith("S-1-", StringComparison.Ordinal) || userSid.IndexOfAny(new[] { ';', ')', '(' }) >= 0)
                throw new ArgumentException("Not a SID string.", nameof(userSid));
            return "D:P(A;" + (folder ? "OICI" : "") + ";FA;;;" + userSid + ")";
        }

        /// <summary>Replaces the DACL of <paramref name="path"/>; throws <see cref="Win32Exception"/> when Windows refuses.</summary>
        public static void Restrict(string path, bool folder)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) throw new PlatformNotSupportedException("Windows ACLs exist only on Windows.");
            if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(Sddl(CurrentUserSid(), folder), SddlRevision1, out IntPtr descriptor, out _))
                throw new Win32Exception(Marshal.GetLastWin32Error());
            try
            {
                if (!GetSecurityDescriptorDacl(descriptor, out bool present, out IntPtr dacl, out _) || !present)
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                int error = SetNamedSecurityInfoW(path, SeFileObject, DaclSecurityInformation | ProtectedDaclSecurityInformation, IntPtr.Zero, IntPtr.Zero, dacl, IntPtr.Zero);
                if (error != 0) throw new Win32Exception(error);
            }
            finally { LocalFree(descriptor); }
        }

        /// <summary>The SID of the user this process runs as, as a string (S-1-5-21-...).</summary>
        private static string CurrentUserSid()
        {
            if (!OpenProcessToken(GetCurrentProcess(), TokenQuery, out IntPtr token)) throw new Win32Exception(Marshal.GetLastWin32Error());
            try
            {
                GetTokenInformation(token, TokenUser, IntPtr.Zero, 0, out int needed);
                IntPtr buffer = Marshal.AllocHGlobal(needed);
                try
                {
                    if (!GetTokenInformation(token, TokenUser, buffer, needed, out _)) throw new Win32Exception(Marshal.GetLastWin32Error());
                    IntPtr sid = Marshal.ReadIntPtr(buffer); // TOKEN_USER starts with SID_AND_ATTRIBUTES, which starts with the PSID
                    if (!ConvertSidToStringSidW(sid, out IntPtr text)) throw new Win32Exception(Marshal.GetLastWin32Error());
                    try { return Marshal.PtrToStringUni(text) ?? throw new Win32Exception("The user's SID could not be read."); }
                    finally { LocalFree(text); }
                }
                finally { Marshal.FreeHGlobal(buffer); }
            }
            finally { CloseHandle(token); }
        }

        private const uint TokenQuery = 0x0008;
        private const int TokenUser = 1;
        private const uint SddlRevision1 = 1;
        private const int SeFileObject = 1;
        private const uint DaclSecurityInformation = 0x00000004;
        private const uint ProtectedDaclSecurityInformation = 0x80000000;

        [DllImport("kernel32.dll")]
        private static extern IntPtr GetCurrentProcess();

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool CloseHandle(IntPtr handle);

        [DllImport("kernel32.dll")]
        private static extern IntPtr LocalFree(IntPtr memory);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool OpenProcessToken(IntPtr process, uint access, out IntPtr token);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool GetTokenInformation(IntPtr token, int informationClass, IntPtr information, int length, out int returnLength);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool ConvertSidToStringSidW(IntPtr sid, out IntPtr text);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool ConvertStringSecurityDescriptorToSecurityDescriptorW(string sddl, uint revision, out IntPtr descriptor, out uint size);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool GetSecurityDescriptorDacl(IntPtr descriptor, out bool present, out IntPtr dacl, out bool defaulted);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int SetNamedSecurityInfoW(string path, int objectType, uint securityInfo, IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl);
    }
}
