using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace AdvScan.MSBuild;

/// <summary>
/// Small JSON files the tasks read (advscan.json for its inputs, the tool manifest, the CLI's diagnostics) through
/// System.Text.Json, which every MSBuild host ships. Reads are bounded whatever the file claims to be: a config that is
/// a link to <c>/dev/zero</c> must not make the build node read forever. A file that is missing, too large or not JSON
/// reads as null; validating a config is the CLI's job.
/// </summary>
internal static class JsonFile
{
    /// <summary>What the tasks read of one file at most: the CLI's own bound on a config (ResourceLimits.MaxConfigBytes).</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly JsonDocumentOptions Options = new JsonDocumentOptions
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    /// <summary>The file's root value, or null when it is missing, larger than <see cref="MaxBytes"/> or not JSON.</summary>
    public static JsonElement? Read(string path) => Text(path) is { } text ? Parse(text) : null;

    /// <summary>One JSON value, or null when <paramref name="text"/> is not one.</summary>
    public static JsonElement? Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, Options);
            return document.RootElement.Clone();
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The file as UTF-8 text, read in a bounded loop (never trusting its length), or null.</summary>
    public static string? Text(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > MaxBytes) return null;
                buffer.Write(chunk, 0, read);
            }
            var bytes = buffer.ToArray();
            // A UTF-8 byte order mark is not JSON.
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (ArgumentException) { return null; }
        catch (NotSupportedException) { return null; }
    }

    /// <summary>A member of an object, or null (not an object, no such member).</summary>
    public static JsonElement? Member(JsonElement? node, string name) =>
        node is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) ? value : (JsonElement?)null;

    /// <summary>A string member, or null.</summary>
    public static string? String(JsonElement? node, string name) =>
        Member(node, name) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    /// <summary>An integer member, or null.</summary>
    public static int? Int(JsonElement? node, string name) =>
        Member(node, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var value) ? value : (int?)null;

    /// <summary>The items of an array (none for anything else).</summary>
    public static IEnumerable<JsonElement> Items(JsonElement? node) =>
        node is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().ToList() : Enumerable.Empty<JsonElement>();

    /// <summary>The members of an object (none for anything else).</summary>
    public static IEnumerable<JsonProperty> Members(JsonElement? node) =>
        node is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject().ToList() : Enumerable.Empty<JsonProperty>();
}
