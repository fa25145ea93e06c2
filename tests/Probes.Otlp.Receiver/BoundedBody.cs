using System.IO.Compression;

namespace Probes.Otlp.Receiver;

/// <summary>Reads request bodies without trusting their size: at most a limit, then stop.</summary>
internal static class BoundedBody
{
    /// <summary>OTLP's recommended request limit, after decompression.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>The whole stream, or null if it holds more than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellation).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Gunzips a body; null if it inflates past the limit. Throws InvalidDataException on bad gzip.</summary>
    public static async Task<byte[]?> GunzipAsync(byte[] compressed, long limit, CancellationToken cancellation)
    {
        await using var gzip = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
        return await ReadAsync(gzip, limit, cancellation).ConfigureAwait(false);
    }
}
