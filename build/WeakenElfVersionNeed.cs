// Compiled by RoslynCodeTaskFactory at build time (see LibTorchSharpGlibcxx.targets).
//
// TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13 and records a version need GLIBCXX_3.4.32 for a
// single symbol that is never called. Hosts whose libstdc++ stops at 3.4.30 (Debian 12, Ubuntu 22.04) refuse to load
// it. Marking that one version need weak (VER_FLG_WEAK) turns the loader's refusal into a warning. We only ever touch
// the copy in a build or publish output, never the NuGet cache, and only when the host actually lacks the version (or
// the output is a linux tool package, installed on hosts this one cannot speak for).
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenElfVersionNeed : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";
    public string[] HostLibraries { get; set; } = Array.Empty<string>();
    // For outputs that leave this machine (a linux tool package): patch without asking this host's libstdc++.
    public bool EvenIfHostHasIt { get; set; }

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    public override bool Execute()
    {
        if (!EvenIfHostHasIt && HostHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, $"Host libstdc++ provides {VersionName}; leaving native libraries untouched.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var changed = Weaken(bytes, VersionName);
                if (changed == 0) continue;
                // Replace the directory entry instead of writing in place: the output copy may be a hard link
                // into the NuGet cache, which must stay pristine.
                var temp = path + ".advscan-tmp";
                File.WriteAllBytes(temp, bytes);
                File.Delete(path);
                File.Move(temp, path);
                Log.LogMessage(MessageImportance.Normal, $"Marked version need {VersionName} weak in {path}.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Log.LogWarning($"Could not patch {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private bool HostHasVersion()
    {
        var needle = Encoding.ASCII.GetBytes(VersionName + "\0");
        var candidates = HostLibraries.Where(File.Exists).ToList();
        if (candidates.Count == 0) return true; // not a glibc Linux host we recognise: do nothing
        foreach (var library in candidates)
            if (IndexOf(File.ReadAllBytes(library), needle) >= 0) return true;
        return false;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>Sets VER_FLG_WEAK on every Elf64_Vernaux named <paramref name="version"/>; returns how many changed.</summary>
    private static int Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is supported");
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(elf, checked((int)shoff + link * shentsize) + 0x18);
            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    int end = (int)name;
                    while (elf[end] != 0) end++;
                    if (Encoding.ASCII.GetString(elf, (int)name, end - (int)name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) == 0)
                        {
                            flags |= VerFlagWeak;
                            elf[aux + 4] = (byte)flags;
                            elf[aux + 5] = (byte)(flags >> 8);
                            changed++;
                        }
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return changed;
    }
}
