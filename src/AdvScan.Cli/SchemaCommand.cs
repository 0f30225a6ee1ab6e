using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary><c>advscan schema [--out F]</c>: the JSON Schema of advscan.json for the attacks and checks this CLI registers.</summary>
internal static class SchemaCommand
{
    public static int Run(ArgumentReader args, TextWriter stdout)
    {
        var output = args.String("--out");
        args.RejectUnknown();
        using var services = ScanCommand.Services();
        var schema = ConfigSchema.Write(services.GetRequiredService<Scanner>().Registry);
        if (output is null) LineWriter.Document(stdout, schema);
        else OutputFiles.Write(output, schema);
        return CliApp.Success;
    }
}
