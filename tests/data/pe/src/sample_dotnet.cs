// A .NET assembly for the dotnet module tests: assembly attributes, user
// strings, string constants, a P/Invoke (module reference), a field with
// an RVA, an embedded resource, generic and nested types.
using System;
using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("SpoorDotnetSample")]
[assembly: AssemblyVersion("1.2.3.4")]
[assembly: Guid("6f3b8a52-93c1-4b0e-a5d2-1c4e7f9a0b11")]

namespace Spoor.Samples
{
    public interface IGreeter { string Greet(string name); }

    public abstract class Base<T> { public abstract T Make(int seed); }

    public sealed class Greeter : Base<string>, IGreeter
    {
        public const string Motto = "spoor constant motto";
        static readonly byte[] Table = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

        [DllImport("user32.dll")]
        static extern int MessageBeep(uint type);

        public string Greet(string name) { return "Hello from spoor, " + name + Table.Length; }
        public override string Make(int seed) { return Motto + seed; }

        public class Nested { public static int Twice(int x) { return 2 * x; } }

        public static int Main(string[] args)
        {
            Console.WriteLine(new Greeter().Greet(args.Length > 0 ? args[0] : "world"));
            return Nested.Twice(args.Length);
        }
    }
}
