namespace SysVmPatch.TestWorld
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            System.Console.Error.WriteLine("usage: SysVmPatch.TestWorld up|status|down");
            return 2;
        }
    }
}
