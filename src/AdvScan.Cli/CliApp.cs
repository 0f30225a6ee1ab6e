using AdvScan.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// Entry point shared by `advscan` and the tests (which call it in-process). Exit codes: 0 success, 1 a check or gate
/// failed, 2 bad input. Bad input is reported as one line on stderr, never as a stack trace.
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int BadInput = 2;
    public const int InstallationBroken = 3;

    /// <summary>The conventional exit code of a process stopped by Ctrl+C (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    private static readonly string UsageTemplate = ("""
        usage: advscan <command> [arguments]

        commands:
          model check <model.onnx> [--device cpu|cuda] [--batch N] [--seed S] [--tolerance T]
              Import the model as a differentiable graph, compare it with ONNX Runtime on a random batch,
              and check that input gradients flow. Exit 0 when parity holds, 1 when it does not, 2 on bad input.
          eval --model <model.onnx> --data <folder|manifest.csv|data.npz|x.npy|images-idx3-ubyte> [--labels <y.npy|labels-idx1-ubyte>]
               [--limit N] [--seed S] [--batch B] [--json out.json] [--classes a,b,...] [--skip-invalid] [--data-root DIR]
               {SPEC}
              Clean accuracy under ONNX Runtime with a 95% Wilson interval, per-class accuracy and throughput.
              --limit takes a seeded class-stratified sample. Spec options override the model's advscan.* metadata.
              Manifest rows and class-folder entries must resolve (links followed) inside the manifest's folder or
              the image folder; --data-root DIR widens that root (also for attack, patch, backdoor, strip, unlearn).
          train --arch mnist-cnn|fashion-cnn|signs-cnn|mnist-robust --data <IDX images file or folder> --out <model.onnx>
                [--epochs E] [--seed S] [--batch B] [--lr L] [--shift PIXELS]
                [--poison-target T --poison-fraction F [--trigger-size K] [--trigger-pos x,y]
                 [--trigger-pattern checker|solid] [--trigger-value v[,v,v]]]
              Train a zoo architecture (Adam, cross-entropy, seeded and deterministic) and write the ONNX model.
              With --poison-*, a BadNets backdoor is planted and its ground truth is written beside the model
              as <model>.backdoor.json. Labels are read from the *labels-idx1-ubyte file beside the images.
          scan <advscan.json> [--json F] [--sarif F] [--html F] [--markdown F] [--shard i/n] [--device cpu|cuda]
               [--source-root DIR] [--gallery N] [--plain-progress] [--output-dir DIR]
              Run the attacks an advscan.json configures and judge its gates. Failed gates are printed as
              `config(line,1): error ADV10xx: ...`. Exit 0 all gates pass, 1 a gate failed, 2 bad input.
              Outputs the config names (a patch check's savePatch/saveExamples) stay inside the config's folder,
              or inside --output-dir DIR when given (relative ones then resolve against DIR).
          schema [--out F]
              Write the JSON Schema of advscan.json for the registered attacks and checks (to stdout or F).
          merge <shard.json>... [--config advscan.json] [--json F] [--sarif F] [--html F] [--markdown F]
              Combine the --json reports of `scan --shard i/n` runs exactly (counts, not averages) and judge the gates.
              The config a shard names is never opened; --config supplies its nearThreshold (default 0.02).
          harden (--model <in.onnx> | --arch <name>) --data <IDX images file or folder> --out <out.onnx>
                 [--eps 0.3] [--steps 10] [--step-size A] [--ramp-epochs R] [--clean-weight W]
                 [--epochs 10] [--seed S] [--batch 64] [--lr 0.001] [--shift PIXELS]
              PGD adversarial training (Madry et al.): every batch is replaced by L-inf PGD examples (random start,
              --steps steps of --step-size, default 2.5*eps/steps) crafted against the frozen current weights, and
              Adam steps on them. --model fine-tunes an existing classifier; --arch trains a zoo architecture from
              scratch. --ramp-epochs raises eps linearly from 0 over the first epochs; --clean-weight W minimises
              (1-W)*adversarial + W*clean cross-entropy. Seeded and deterministic; graph and metadata are kept.
        """ + "\n" + UnlearnCommand.Usage + "\n" + AttackCommand.Usage + "\n" + PoisonCommand.Usage + "\n" + BackdoorCommand.Usage + "\n" + StripCommand.Usage + "\n" + PatchCommand.Usage).Replace("{SPEC}", SpecOptions.Usage, StringComparison.Ordinal);

    /// <summary>The help text, with the attack names taken from the registered attacks so it never lags behind them.</summary>
    private static string Usage()
    {
        using var services = ScanCommand.Services();
        var attacks = services.GetRequiredService<Scanner>().Registry.Attacks.Select(a => a.Name).Order(StringComparer.Ordinal);
        return UsageTemplate.Replace("{ATTACKS}", string.Join("|", attacks), StringComparison.Ordinal);
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage());
                return args.Length == 0 ? BadInput : Success;
            }
            return (args[0], args.Length > 1 ? args[1] : null) switch
            {
                ("model", "check") => ModelCheckCommand.Run(new ArgumentReader(args.Skip(2)), stdout),
                ("eval", _) => EvalCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
                ("train", _) => TrainCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
                ("scan", _) => ScanCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr, cancellationToken),
                ("schema", _) => SchemaCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
                ("merge", _) => MergeCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr),
                ("harden", _) => HardenCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
                ("attack", _) => AttackCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
                ("poison", _) => PoisonCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr),
                ("backdoor", _) => BackdoorCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr),
                ("strip", _) => StripCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
                ("patch", _) => PatchCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr),
                _ => throw new InvalidInputException(null, $"unknown command '{string.Join(' ', args.Take(2))}'; run 'advscan --help'"),
            };
        }
        catch (InvalidInputException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("cancelled; no report was written");
            return Cancelled;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            // A broken installation (a native library missing or unloadable) is not the user's input; say which library.
            stderr.WriteLine($"error ADV4005: AdvScan's native runtime could not be loaded ({Innermost(e).Message.Split('\n')[0].Trim()}); reinstall the tool or package for this platform");
            return InstallationBroken;
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
