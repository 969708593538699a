using System;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    public sealed class RetryPolicyTests
    {
        private static CloudStackApiException Api(int status) => new CloudStackApiException("x", "c", status, status, null, null);
        private static CloudStackTransportException Transport(CloudStackTransportFailure f) => new CloudStackTransportException("x", "c", f);

        [Theory]
        [InlineData("listRouters", 503, true)]
        [InlineData("listRouters", 530, true)]
        [InlineData("listRouters", 500, true)]
        [InlineData("queryAsyncJobResult", 502, true)]
        [InlineData("listRouters", 401, false)]
        [InlineData("listRouters", 431, false)]
        [InlineData("listRouters", 432, false)]
        [InlineData("rebootRouter", 530, false)]
        [InlineData("rebootRouter", 500, false)]
        [InlineData("rebootRouter", 503, false)]
        [InlineData("rebootRouter", 502, false)]
        [InlineData("patchSystemVm", 504, false)]
        [InlineData("stopSystemVm", 401, false)]
        public void ApiErrorsAreRetriedOnlyWhereRepeatingIsSafe(string command, int status, bool retried)
        {
            Assert.Equal(retried, RetryPolicy.IsRetriable(command, Api(status)));
        }

        [Theory]
        [InlineData("listHosts", CloudStackTransportFailure.Unreachable, true)]
        [InlineData("rebootRouter", CloudStackTransportFailure.Unreachable, true)]
        [InlineData("listHosts", CloudStackTransportFailure.ConnectionLost, true)]
        [InlineData("rebootRouter", CloudStackTransportFailure.ConnectionLost, false)]
        [InlineData("listHosts", CloudStackTransportFailure.Timeout, false)]
        [InlineData("listHosts", CloudStackTransportFailure.CertificateInvalid, false)]
        public void TransportErrorsAreRetriedOnlyWhereRepeatingIsSafe(string command, CloudStackTransportFailure failure, bool retried)
        {
            Assert.Equal(retried, RetryPolicy.IsRetriable(command, Transport(failure)));
        }

        [Theory]
        [InlineData("rebootRouter", 502, true)]
        [InlineData("restartNetwork", 504, true)]
        [InlineData("rebootRouter", 503, false)] // refused: not run
        [InlineData("rebootRouter", 530, false)] // CloudStack's own error: it ran and failed
        [InlineData("listRouters", 504, false)] // reads are simply repeated
        public void AChangeAnsweredByAProxyIsOfUnknownOutcome(string command, int status, bool unknown)
        {
            Assert.Equal(unknown, RetryPolicy.OutcomeUnknown(command, Api(status)));
        }

        [Theory]
        [InlineData(CloudStackTransportFailure.ConnectionLost, true)]
        [InlineData(CloudStackTransportFailure.Timeout, true)]
        [InlineData(CloudStackTransportFailure.InvalidResponse, true)]
        [InlineData(CloudStackTransportFailure.Unreachable, false)] // never left: repeated instead
        [InlineData(CloudStackTransportFailure.CertificateInvalid, false)]
        public void AChangeWhoseAnswerWasLostIsOfUnknownOutcome(CloudStackTransportFailure failure, bool unknown)
        {
            Assert.Equal(unknown, RetryPolicy.OutcomeUnknown("stopSystemVm", Transport(failure)));
        }

        [Fact]
        public void DelayDoublesWithJitterAndIsCapped()
        {
            var policy = new RetryPolicy(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350), seed: 7);
            for (int i = 0; i < 50; i++)
            {
                var d1 = policy.DelayFor(1);
                var d2 = policy.DelayFor(2);
                var d5 = policy.DelayFor(5);
                Assert.InRange(d1.TotalMilliseconds, 50, 100);
                Assert.InRange(d2.TotalMilliseconds, 100, 200);
                Assert.InRange(d5.TotalMilliseconds, 175, 350);
            }
        }
    }
}
