using System.IO.Enumeration;

namespace Probes.Consumer.Targets;

/// <summary>The one glob of the CLI (<c>*</c> any run, <c>?</c> one character; case-sensitive), as .NET matches file names.</summary>
public static class Glob
{
    public static bool IsGlob(string text) => text.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool Matches(string glob, string text) => FileSystemName.MatchesSimpleExpression(glob, text, ignoreCase: false);
}
