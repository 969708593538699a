using System;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>A throwaway certificate for 127.0.0.1/localhost, made in memory: what a lab management server often has.</summary>
    internal static class SelfSignedCertificate
    {
        public static X509Certificate2 Create()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=fake-cloudstack.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
            // Kestrel wants a certificate whose key it can use for TLS; a PKCS#12 round trip gives one on every OS.
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }
    }
}
