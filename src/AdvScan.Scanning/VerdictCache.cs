using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdvScan.Attacks;

namespace AdvScan.Scanning;

/// <summary>
/// The incremental cache of per-example verdicts: one file per attacked batch (<see cref="BatchOutcome"/>: per example
/// and budget, robust or not, the size of the perturbation that won, what the report's gallery shows), named by the
/// SHA-256 of everything the outcome depends on (<see cref="KeyOf"/>): the model's bytes, the preprocessing, the
/// batch's pixels and labels, the attack and its full settings (a transfer surrogate's bytes included), the budgets,
/// the seed, the batch's place in the run (its crafting seed) and the tool's version. A hit is therefore the outcome a
/// fresh attack computes, and reports built from it are byte-identical.
/// </summary>
/// <remarks>
/// Every entry is an untrusted file: read through <see cref="TrustBoundary"/> (regular files only, size bounded by
/// <see cref="ResourceLimits.MaxCacheBytes"/> before reading), checked for its magic, the key it claims, a SHA-256 of
/// its body and every count against the batch it must describe. Anything else is a miss, and the entry is rewritten
/// (atomically, with <see cref="TrustBoundary.WriteAtomic"/>) after the batch is attacked again. The folder is bounded
/// by <see cref="ResourceLimits.MaxCacheBytes"/>: the least recently used entries are deleted past it. The cache is
/// best-effort: a folder it cannot write never fails a scan.
/// </remarks>
public sealed class VerdictCache
{
    private const string Extension = ".verdicts";
    private const int MaxEntriesListed = 1_000_000;
    private static readonly byte[] Magic = "AVSCVRD1"u8.ToArray();
    private readonly string folder;
    private readonly long maxBytes;
    private readonly List<(string Path, long Size)> entries = [];
    private long totalBytes;
    private LabeledBatch? digested;
    private byte[] digest = [];

    /// <summary>Opens (creating) the cache folder; entries already there count against the bound, oldest first.</summary>
    public VerdictCache(string folder, long maxBytes)
    {
        this.folder = Path.GetFullPath(folder);
        this.maxBytes = maxBytes;
        var kind = TrustBoundary.KindOf(TrustBoundary.RealPath(this.folder));
        if (kind is not (FileKind.Missing or FileKind.Directory))
            throw new InvalidInputException(folder, $"cache folder is a {TrustBoundary.Describe(kind)}, not a folder");
        Directory.CreateDirectory(this.folder);
        var found = new List<(string Path, long Size, DateTime Used)>();
        foreach (var path in Directory.EnumerateFiles(this.folder, "*" + Extension).Take(MaxEntriesListed))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null) continue;
            found.Add((path, info.Length, info.LastWriteTimeUtc));
        }
        foreach (var (path, size, _) in found.OrderBy(f => f.Used).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            entries.Add((path, size));
            totalBytes += size;
        }
    }

    /// <summary>Batches served from the cache.</summary>
    public int Hits { get; private set; }

    /// <summary>Entries found but refused (truncated, garbage, another key, a link): attacked again and rewritten.</summary>
    public int Rejected { get; private set; }

    /// <summary>Bytes the entries take, as this cache counts them.</summary>
    public long TotalBytes => totalBytes;

    /// <summary>
    /// The content address of one attacked batch. <paramref name="attackIdentity"/> covers the attack and its settings
    /// (<see cref="AttackIdentity"/>); <paramref name="preprocessing"/> how pixels reach the model.
    /// </summary>
    public string KeyOf(string modelSha256, string preprocessing, string device, string attackIdentity, int batchIndex, LabeledBatch batch)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        Text("advscan-verdicts/2");
        Text(Scanner.ToolVersion);
        Text(CodeIdentity);
        Text(modelSha256);
        Text(preprocessing);
        Text(device);
        Text(attackIdentity);
        hash.AppendData(BitConverter.GetBytes(batchIndex));
        hash.AppendData(DigestOf(batch));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The batch's own digest (shape, labels, pixels): every attack of a scan looks the same batch up, one after the
    /// other, so it is hashed once, not once per attack.
    /// </summary>
    private byte[] DigestOf(LabeledBatch batch)
    {
        if (ReferenceEquals(batch, digested)) return digest;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(batch.Shape.Length));
        foreach (var d in batch.Shape) hash.AppendData(BitConverter.GetBytes(d));
        foreach (var l in batch.Labels) hash.AppendData(BitConverter.GetBytes(l));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(batch.Pixels.AsSpan()));
        (digested, digest) = (batch, hash.GetHashAndReset());
        return digest;
    }

    /// <summary>
    /// The build of the code that crafts and judges (the module version ids of the scanner, the attacks, the engine, the
    /// ONNX Runtime wrapper and the data readers): a rebuilt AdvScan with the same version number is another key, so a
    /// changed attack never reads its predecessor's verdicts. A deterministic build of the same source keeps its ids.
    /// </summary>
    private static readonly string CodeIdentity = string.Join(",", new[]
    {
        typeof(VerdictCache), typeof(AttackSettings), typeof(Engine.OnnxGraph), typeof(Runtime.ReferenceSession), typeof(Data.InputSpec),
    }.Select(t => t.Assembly.ManifestModule.ModuleVersionId.ToString("N")));

    /// <summary>
    /// An attack as the cache identifies it: its registered name, its full settings (seed included), its budgets, and
    /// the SHA-256 of any file its settings name (a transfer surrogate), so a changed surrogate is a different attack.
    /// </summary>
    /// <param name="implementation">The attack's type: a plug-in attack's own build is part of its identity.</param>
    public static string AttackIdentity(string attack, Type implementation, AttackSettings settings, IReadOnlyList<double> budgets)
    {
        var text = new StringBuilder();
        text.Append(attack).Append('\n').Append(implementation.Assembly.ManifestModule.ModuleVersionId.ToString("N")).Append('\n');
        text.Append(JsonSerializer.Serialize(settings)).Append('\n');
        foreach (var b in budgets) text.Append(BitConverter.DoubleToInt64Bits(b)).Append(',');
        if (settings.Surrogate is { } surrogate)
        {
            using var stream = TrustBoundary.OpenRead(surrogate, what: "surrogate model");
            text.Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
        return text.ToString();
    }

    private string PathOf(string key) => Path.Combine(folder, key + Extension);

    /// <summary>The stored outcome of <paramref name="batch"/> under <paramref name="key"/>, or null (missing or refused).</summary>
    /// <param name="classes">The model's class count: a stored class outside it is refused.</param>
    internal BatchOutcome? TryRead(string key, LabeledBatch batch, int budgets, int classes)
    {
        var path = PathOf(key);
        var kind = TrustBoundary.KindOf(path);
        if (kind == FileKind.Missing) return null;
        BatchOutcome? outcome = null;
        // Only a plain file is read: a link planted under an entry's name is not followed, whatever it points at.
        if (kind == FileKind.Regular)
        {
            try
            {
                var bytes = TrustBoundary.ReadAllBytes(path, maxBytes, "cache entry");
                outcome = Decode(bytes, key, batch, budgets, classes);
            }
            catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
            {
            }
        }
        if (outcome is null) { Rejected++; return null; }
        Hits++;
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        int at = entries.FindIndex(x => x.Path == path);
        if (at >= 0) { var entry = entries[at]; entries.RemoveAt(at); entries.Add(entry); }
        return outcome;
    }

    /// <summary>Stores an outcome, then evicts the least recently used entries past the bound; failures leave the scan alone.</summary>
    internal void Write(string key, BatchOutcome outcome)
    {
        var bytes = Encode(key, outcome);
        if (bytes.Length > maxBytes) return;
        var path = PathOf(key);
        try
        {
            // A planted link or folder under an entry's name is never written through: left alone, never trusted.
            if (TrustBoundary.KindOf(path) is not (FileKind.Missing or FileKind.Regular)) return;
            TrustBoundary.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            return;
        }
        int at = entries.FindIndex(x => x.Path == path);
        if (at >= 0) { totalBytes -= entries[at].Size; entries.RemoveAt(at); }
        entries.Add((path, bytes.Length));
        totalBytes += bytes.Length;
        while (totalBytes > maxBytes && entries.Count > 1)
        {
            var (oldest, size) = entries[0];
            entries.RemoveAt(0);
            totalBytes -= size;
            try { if (TrustBoundary.KindOf(oldest) == FileKind.Regular) File.Delete(oldest); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    internal static byte[] Encode(string key, BatchOutcome o)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            int n = o.Attacked.Length;
            w.Write(o.Count); w.Write(n);
            w.Write(o.Transfer); w.Write(o.CountsQueries); w.Write(o.KeptAdversarial);
            w.Write(o.GradientEvaluations); w.Write(o.Queries);
            for (int i = 0; i < o.Count; i++) { w.Write(o.Clean[i]); w.Write(o.CleanConfidence[i]); w.Write(o.SmallestFound[i]); }
            for (int b = 0; b < n; b++)
            {
                w.Write(o.Attacked[b]); w.Write(o.Disagreements[b]); w.Write(o.SurrogateFooled[b]); w.Write(o.Transferred[b]);
                w.Write(o.QueriesToBreak[b].Count);
                foreach (var q in o.QueriesToBreak[b]) w.Write(q);
                for (int i = 0; i < o.Count; i++) { w.Write(o.Robust[b][i]); w.Write(o.BrokenSize[b][i]); }
            }
            for (int i = 0; i < o.Count; i++)
            {
                if (o.Broke[i] is not { } broke) { w.Write(false); continue; }
                w.Write(true); w.Write(broke.Prediction); w.Write(broke.Confidence); w.Write(broke.Pixels.Length);
                foreach (var p in broke.Pixels) w.Write(p);
            }
        }
        var payload = body.ToArray();
        using var file = new MemoryStream();
        file.Write(Magic);
        file.Write(Convert.FromHexString(key));
        file.Write(BitConverter.GetBytes((long)payload.Length));
        file.Write(payload);
        file.Write(SHA256.HashData(payload));
        return file.ToArray();
    }

    /// <summary>The outcome an entry holds, or null when anything about it is not what <paramref name="batch"/> needs.</summary>
    internal static BatchOutcome? Decode(byte[] bytes, string key, LabeledBatch batch, int budgets, int classes)
    {
        int header = Magic.Length + 32 + 8;
        if (bytes.Length < header + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
        if (!bytes.AsSpan(Magic.Length, 32).SequenceEqual(Convert.FromHexString(key))) return null;
        long length = BitConverter.ToInt64(bytes, Magic.Length + 32);
        if (length != bytes.Length - header - 32) return null;
        var payload = bytes.AsSpan(header, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(header + (int)length, 32))) return null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, header, (int)length, writable: false));
            int count = r.ReadInt32(), n = r.ReadInt32();
            if (count != batch.Labels.Length || n != budgets) return null;
            int size = batch.Pixels.Length / count;
            var o = new BatchOutcome(count, n) { Transfer = r.ReadBoolean(), CountsQueries = r.ReadBoolean(), KeptAdversarial = r.ReadBoolean() };
            o.GradientEvaluations = r.ReadInt64(); o.Queries = r.ReadInt64();
            bool Class(int c) => c >= 0 && c < classes;
            bool Confidence(float c) => c >= 0 && c <= 1;
            for (int i = 0; i < count; i++)
            {
                o.Clean[i] = r.ReadInt32(); o.CleanConfidence[i] = r.ReadSingle(); o.SmallestFound[i] = r.ReadDouble();
                if (!Class(o.Clean[i]) || !Confidence(o.CleanConfidence[i])) return null;
            }
            for (int b = 0; b < n; b++)
            {
                o.Attacked[b] = r.ReadInt32(); o.Disagreements[b] = r.ReadInt32(); o.SurrogateFooled[b] = r.ReadInt32(); o.Transferred[b] = r.ReadInt32();
                int queries = r.ReadInt32();
                if (new[] { o.Attacked[b], o.Disagreements[b], o.SurrogateFooled[b], o.Transferred[b], queries }.Any(v => v < 0 || v > count)) return null;
                for (int q = 0; q < queries; q++) o.QueriesToBreak[b].Add(r.ReadDouble());
                for (int i = 0; i < count; i++) { o.Robust[b][i] = r.ReadBoolean(); o.BrokenSize[b][i] = r.ReadDouble(); }
            }
            for (int i = 0; i < count; i++)
            {
                if (!r.ReadBoolean()) continue;
                int prediction = r.ReadInt32();
                float confidence = r.ReadSingle();
                int pixels = r.ReadInt32();
                if (!Class(prediction) || !Confidence(confidence) || (pixels != 0 && pixels != size) || (pixels == 0) == o.KeptAdversarial) return null;
                var adversarial = new float[pixels];
                for (int p = 0; p < pixels; p++) adversarial[p] = r.ReadSingle();
                o.Broke[i] = (adversarial, prediction, confidence);
            }
            return r.BaseStream.Position == r.BaseStream.Length ? o : null;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
