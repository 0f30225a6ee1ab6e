using TorchSharp;
namespace AdvScan.Engine.Ops;

/// <summary>
/// Marks a static method <c>Tensor[] M(NodeContext)</c> as the kernel for an ONNX operator. A new operator plugs in by
/// writing one such method; the registry finds it by reflection, so no central list has to be edited.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class OnnxOpAttribute(string opType, string domain = "") : Attribute
{
    public string OpType { get; } = opType;
    public string Domain { get; } = domain;
}
