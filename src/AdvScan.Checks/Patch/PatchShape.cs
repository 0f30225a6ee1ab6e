namespace AdvScan.Checks.Patch;

/// <summary>The sticker's outline. Its area is the budget, so a circle of area a has a larger bounding box than a square of area a.</summary>
public enum PatchShape { Square, Circle }
