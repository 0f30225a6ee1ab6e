using AdvScan.Onnx.Protobuf;

namespace AdvScan.Onnx;

/// <summary>
/// Converts a float32 model to float16 or bfloat16 the way model converters do for deployment (inputs, outputs and
/// weights in the narrow type, computation in it too): every float initializer, graph input, output and value_info,
/// every Cast to float, and every float Constant / ConstantOfShape value. Inputs the ONNX spec keeps float32 whatever
/// the data type (Resize's roi and scales, Upsample's scales) stay float32. AdvScan uses it to build the reduced-precision
/// models it tests and benchmarks on.
/// </summary>
public static class ModelPrecision
{
    private static readonly Dictionary<string, int[]> FloatOnlyInputs = new(StringComparer.Ordinal)
    {
        ["Resize"] = [1, 2],
        ["Upsample"] = [1],
    };

    public static ModelProto Convert(ModelProto model, OnnxDataType target)
    {
        if (target is not (OnnxDataType.Float16 or OnnxDataType.BFloat16))
            throw new ArgumentException($"converts to Float16 or BFloat16, not {target}", nameof(target));
        var converted = model.Clone();
        var graph = converted.Graph;
        var keepFloat = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            if (FloatOnlyInputs.TryGetValue(node.OpType, out var slots))
                foreach (var slot in slots)
                    if (slot < node.Input.Count) keepFloat.Add(node.Input[slot]);

        for (int i = 0; i < graph.Initializer.Count; i++)
            if (graph.Initializer[i].DataType == (int)OnnxDataType.Float && !keepFloat.Contains(graph.Initializer[i].Name))
                graph.Initializer[i] = Narrow(graph.Initializer[i], target);
        foreach (var value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
            if (value.Type?.TensorType is { } tensor && tensor.ElemType == (int)OnnxDataType.Float && !keepFloat.Contains(value.Name))
                tensor.ElemType = (int)target;
        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (node.OpType == "Cast" && attribute.Name == "to" && attribute.I == (long)OnnxDataType.Float) attribute.I = (long)target;
                if (attribute.T is { } t && t.DataType == (int)OnnxDataType.Float && !node.Output.Any(keepFloat.Contains))
                    attribute.T = Narrow(t, target);
            }
            if (node.OpType == "Constant" && !node.Output.Any(keepFloat.Contains))
            {
                // value_float(s) would stay float32: rewrite them as a tensor value of the target type.
                var single = node.Attribute.FirstOrDefault(a => a.Name == "value_float");
                var many = node.Attribute.FirstOrDefault(a => a.Name == "value_floats");
                if (single is not null || many is not null)
                {
                    var values = single is not null ? [single.F] : many!.Floats.ToArray();
                    long[] dims = single is not null ? [] : [values.Length];
                    node.Attribute.Remove(single ?? many!);
                    node.Attribute.Add(OnnxGraphBuilder.Attribute("value", new OnnxTensor("", target, dims, values)));
                }
            }
        }
        return converted;
    }

    /// <summary>bfloat16 bits of a float, rounded to nearest even (NaN kept a quiet NaN).</summary>
    public static ushort BFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    private static TensorProto Narrow(TensorProto tensor, OnnxDataType target)
    {
        var decoded = TensorDecoder.Decode(tensor, null, null);
        var narrowed = new OnnxTensor(tensor.Name, target, decoded.Dims, decoded.Data).ToProto();
        narrowed.DocString = tensor.DocString;
        return narrowed;
    }
}
