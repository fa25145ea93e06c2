using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace Probes.Consumer.Output.Json;

/// <summary>
/// The relaxed JSON encoder (quotes, backslashes and C0/C1 controls escaped; other text as it
/// is) that also escapes what <see cref="TerminalText"/> calls unsafe and the relaxed encoder
/// lets through: the bidirectional overrides that reorder what a terminal shows.
/// </summary>
internal sealed class TerminalSafeJsonEncoder : JavaScriptEncoder
{
    public static readonly TerminalSafeJsonEncoder Instance = new();

    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    // Every unsafe character above U+009F is U+061C (UTF-8 D8 9C) or in U+2000-U+206F (E2 80.. / E2 81..).
    private static readonly SearchValues<byte> UnsafeLeadBytes = SearchValues.Create([0xD8, 0xE2]);

    private TerminalSafeJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => Math.Max(Relaxed.MaxOutputCharactersPerInputCharacter, 6);

    public override bool WillEncode(int unicodeScalar) => IsTerminalUnsafe(unicodeScalar) || Relaxed.WillEncode(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        int relaxed = Relaxed.FindFirstCharacterToEncode(text, textLength);
        int terminal = TerminalText.IndexOfUnsafe(new ReadOnlySpan<char>(text, relaxed < 0 ? textLength : relaxed));
        return terminal >= 0 ? terminal : relaxed;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        int relaxed = Relaxed.FindFirstCharacterToEncodeUtf8(utf8Text);
        ReadOnlySpan<byte> before = relaxed < 0 ? utf8Text : utf8Text[..relaxed];
        int offset = 0;
        while (before[offset..].IndexOfAny(UnsafeLeadBytes) is var next && next >= 0)
        {
            offset += next;
            if (Rune.DecodeFromUtf8(before[offset..], out Rune rune, out _) == OperationStatus.Done && IsTerminalUnsafe(rune.Value))
            {
                return offset;
            }
            offset++;
        }
        return relaxed;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!IsTerminalUnsafe(unicodeScalar))
        {
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }
        if (bufferLength < 6)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        var escape = new Span<char>(buffer, 6);
        escape[0] = '\\';
        escape[1] = 'u';
        ((uint)unicodeScalar).TryFormat(escape[2..], out _, "X4", System.Globalization.CultureInfo.InvariantCulture);
        numberOfCharactersWritten = 6;
        return true;
    }

    private static bool IsTerminalUnsafe(int scalar) => scalar <= char.MaxValue && TerminalText.IsUnsafe((char)scalar);
}
