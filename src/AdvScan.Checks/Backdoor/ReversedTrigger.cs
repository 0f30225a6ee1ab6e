namespace AdvScan.Checks.Backdoor;

/// <summary>What Neural Cleanse recovered for one class.</summary>
/// <param name="Trigger">The smallest mask (and its pattern) that met the success threshold; the last one when none did.</param>
/// <param name="Reached">Whether any mask met the threshold; when not, <paramref name="MaskNorm"/> is the final mask's and overstates nothing about a backdoor.</param>
/// <param name="Success">The share of optimisation images the trigger sent to the class in its epoch (differentiable graph).</param>
public sealed record ReversedTrigger(int Class, MaskedTrigger Trigger, double MaskNorm, bool Reached, double Success);
