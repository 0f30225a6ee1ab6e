using System.Globalization;
using AdvScan.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// Entry point shared by `advscan` and the tests (which call it in-process). Exit codes: 0 success, 1 a check or gate
/// failed, 2 bad input, 3 an internal error (or a broken installation), 124 the --timeout ran out, 130 Ctrl+C. Whatever
/// reaches the top is one line on stderr, never a stack trace (unless --verbose asks for it), and every line printed is
/// one line (<see cref="LineWriter"/>).
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int BadInput = 2;

    /// <summary>Not the input's fault: a bug, the machine (out of memory), or a broken installation (a native library missing).</summary>
    public const int InternalError = 3;

    public const int InstallationBroken = InternalError;

    /// <summary>--timeout ran out (as GNU timeout reports it).</summary>
    public const int TimedOut = 124;

    /// <summary>The conventional exit code of a process stopped by Ctrl+C (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    /// <summary>How long a timed-out command may take to stop after it is cancelled before the process ends anyway.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private static readonly string UsageTemplate = ("""
        usage: advscan <command> [arguments] [global options]

        exit codes: 0 success, 1 a check or gate failed, 2 bad input (one located line), 3 an internal error (one line
        naming what failed; --verbose adds the trace), 124 --timeout ran out (one line, ADV4006), 130 Ctrl+C.
        Every line printed is one line: names from models, data and configs have control characters escaped.

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
               [--source-root DIR] [--gallery N] [--plain-progress] [--output-dir DIR] [--sequential] [--cache DIR | --no-cache]
              Run the attacks an advscan.json configures and judge its gates. --sequential stops as soon as every
              gate is settled by an anytime-valid confidence sequence (sample.sequential); --cache DIR reuses the
              per-example verdicts of earlier runs (off by default; bounded by limits.maxCacheBytes). Failed gates are printed as
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
        return UsageTemplate.Replace("{ATTACKS}", string.Join("|", attacks), StringComparison.Ordinal)
            + "\n  every other check, its options generated from its config keys (advscan <check> ... runs it alone):\n"
            + CheckCommand.Usage(services.GetRequiredService<Scanner>().Registry, Commands)
            + "\n" + GlobalOptions.Usage.Replace("{LIMITS}", GlobalOptions.LimitsUsage(), StringComparison.Ordinal);
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        Run(args, stdout, stderr, cancellationToken, out _);

    /// <param name="workStillRunning">
    /// True when --timeout ran out and the work did not stop within <see cref="Grace"/>: it is still running on a
    /// background thread, and a process should end now without exit handlers (the `advscan` entry point does).
    /// </param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, out bool workStillRunning)
    {
        workStillRunning = false;
        var output = new LineWriter(stdout);
        var errors = new LineWriter(stderr);
        GlobalOptions options;
        try
        {
            options = GlobalOptions.Read(args);
            OutputFiles.Prepare(options.DiagnosticsFile);
        }
        catch (InvalidInputException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        var session = new CliSession(output, errors, new DiagnosticLog(options.DiagnosticsFile), options, cancellationToken);
        int exit = options.Timeout is { } timeout ? RunWithTimeout(session, timeout, out workStillRunning) : Guarded(session, cancellationToken, timedOut: () => false);
        try
        {
            session.Log.Save();
        }
        catch (InvalidInputException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return exit == Success ? BadInput : exit;
        }
        return exit;
    }

    /// <summary>
    /// Runs the command on a thread of its own and waits for it, its timeout and then <see cref="Grace"/>: cancelled
    /// work normally stops at its next check, but a step that never checks (a native call, a reader blocked on input)
    /// must not keep CI waiting, so the command is then answered for and the process ends (<see cref="HardExit"/>).
    /// </summary>
    private static int RunWithTimeout(CliSession session, TimeSpan timeout, out bool stillRunning)
    {
        stillRunning = false;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(session.UserCancellation);
        bool Expired() => timer.IsCancellationRequested && !session.UserCancellation.IsCancellationRequested;
        int exit = InternalError;
        // The main thread's stack size: deep but legitimate recursion (graph import, JSON) must not fail only under --timeout.
        var worker = new Thread(() => exit = Guarded(session, timer.Token, Expired), 8 << 20) { IsBackground = true, Name = "advscan " + session.Verb };
        timer.CancelAfter(timeout);
        worker.Start();
        if (worker.Join(timeout + Grace)) return exit;
        stillRunning = true;
        Stop(session, timeout, stopped: false);
        return TimedOut;
    }

    /// <summary>Runs the command; every exception is one located line and an exit code.</summary>
    private static int Guarded(CliSession session, CancellationToken cancellationToken, Func<bool> timedOut)
    {
        var errors = session.Err;
        try
        {
            using var limits = ResourceLimits.Use(ResourceLimits.Default.With(session.Options.Limits));
            return Dispatch(session, cancellationToken);
        }
        catch (Exception) when (timedOut())
        {
            // Whatever the cancelled work threw on its way out (OperationCanceledException, or a native call cut short).
            Stop(session, session.Options.Timeout!.Value, stopped: true);
            return TimedOut;
        }
        catch (InvalidInputException e)
        {
            session.Log.Emit(errors, new Diagnostic("error", DiagnosticIds.BadInput, e.File, e.Line, e.Problem), $"error: {e.Message}");
            return BadInput;
        }
        catch (NonFiniteOutputsException e)
        {
            // A finding on the model (its outputs have no argmax), not bad input: the run fails like a failed check.
            session.Log.Emit(errors, new Diagnostic("error", e.DiagnosticId, e.Model, null, e.Message), e.Line());
            return CheckFailed;
        }
        catch (OperationCanceledException) when (session.UserCancellation.IsCancellationRequested)
        {
            errors.WriteLine("cancelled; no report was written");
            return Cancelled;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            // A broken installation (a native library missing or unloadable) is not the user's input; say which library.
            session.Log.Emit(errors, new Diagnostic("error", DiagnosticIds.NativeRuntimeMissing, null, null,
                $"AdvScan's native runtime could not be loaded ({Innermost(e).Message.Split('\n')[0].Trim()}); reinstall the tool or package for this platform"));
            return InstallationBroken;
        }
        catch (Exception e)
        {
            // Not the input's fault as far as AdvScan can tell: name what failed, in one line; the trace only on request.
            var site = e.TargetSite is { } method ? $"{method.DeclaringType?.FullName}.{method.Name}" : "an unknown method";
            var message = e.Message.Split('\n')[0].Trim();
            session.Log.Emit(errors, new Diagnostic("error", DiagnosticIds.CliCrashed, null, null,
                $"internal error in 'advscan {session.Verb}': {e.GetType().Name} in {site}: {message}" +
                (session.Options.Verbose ? "" : " (--verbose prints the stack trace)")));
            if (session.Options.Verbose) LineWriter.Document(errors, e + Environment.NewLine);
            return InternalError;
        }
    }

    private static int Dispatch(CliSession session, CancellationToken cancellationToken)
    {
        var verb = session.Options.Verb.ToArray();
        // --threads is taken out before the verb reads its options, and the previous count is restored afterwards.
        using var threads = ThreadOption.Apply(ref verb);
        IReadOnlyList<string> args = verb;
        var (stdout, stderr) = (session.Out, session.Err);
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            LineWriter.Document(stdout, Usage() + Environment.NewLine);
            return args.Count == 0 ? BadInput : Success;
        }
        return (args[0], args.Count > 1 ? args[1] : null) switch
        {
            ("model", "check") => ModelCheckCommand.Run(new ArgumentReader(args.Skip(2)), stdout),
            ("eval", _) => EvalCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
            ("train", _) => TrainCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
            ("scan", _) => ScanCommand.Run(new ArgumentReader(args.Skip(1)), session, cancellationToken),
            ("schema", _) => SchemaCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
            ("merge", _) => MergeCommand.Run(new ArgumentReader(args.Skip(1)), session),
            ("harden", _) => HardenCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
            ("attack", _) => AttackCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
            ("poison", _) => PoisonCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr, cancellationToken),
            ("backdoor", _) => BackdoorCommand.Run(new ArgumentReader(args.Skip(1)), stdout, cancellationToken),
            ("strip", _) => StripCommand.Run(new ArgumentReader(args.Skip(1)), stdout),
            ("patch", _) => PatchCommand.Run(new ArgumentReader(args.Skip(1)), stdout, stderr, cancellationToken),
            _ => GeneratedVerb(args, session, cancellationToken),
        };
    }

    /// <summary>The commands written by hand; every other registered check gets a verb generated from its keys.</summary>
    internal static readonly IReadOnlySet<string> Commands = new HashSet<string>(StringComparer.Ordinal)
        { "model", "eval", "train", "scan", "schema", "merge", "harden", "attack", "poison", "backdoor", "strip", "patch" };

    private static int GeneratedVerb(IReadOnlyList<string> args, CliSession session, CancellationToken cancellationToken)
    {
        using var services = ScanCommand.Services();
        var check = CheckCommand.Generated(services.GetRequiredService<Scanner>().Registry, Commands).FirstOrDefault(c => c.Name == args[0])
            ?? throw new InvalidInputException(null, $"unknown command '{UntrustedText.Escape(string.Join(' ', args.Take(2)))}'; run 'advscan --help'");
        return CheckCommand.Run(check, new ArgumentReader(args.Skip(1)), session, services, cancellationToken);
    }

    /// <summary>The one line a timed-out command ends with; anything the still-running work prints afterwards is dropped.</summary>
    private static void Stop(CliSession session, TimeSpan timeout, bool stopped)
    {
        // Once: the main thread (the work did not stop) and the work itself (it stopped late) may both get here.
        lock (session)
        {
            if (session.Err.IsClosed) return;
            Report(session, timeout, stopped);
        }
    }

    private static void Report(CliSession session, TimeSpan timeout, bool stopped)
    {
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        session.Log.Emit(session.Err, new Diagnostic("error", DiagnosticIds.TimedOut, null, null,
            $"'advscan {session.Verb}' did not finish within its --timeout of {seconds} s; " +
            (stopped ? "it was stopped" : $"it did not stop within {Grace.TotalSeconds:0} s of being cancelled, so the process ends") + " and no report was written"));
        session.Out.Close(null);
        session.Err.Close(null);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}

/// <summary>What a command run is handed: the line-safe writers, the diagnostics it reports, the global options and Ctrl+C.</summary>
internal sealed record CliSession(LineWriter Out, LineWriter Err, DiagnosticLog Log, GlobalOptions Options, CancellationToken UserCancellation)
{
    /// <summary>The command's name for messages ("scan", "model check").</summary>
    public string Verb => UntrustedText.Escape(Options.Verb.Count == 0 ? "" : Options.Verb[0] == "model" && Options.Verb.Count > 1 ? "model " + Options.Verb[1] : Options.Verb[0], 40);
}
