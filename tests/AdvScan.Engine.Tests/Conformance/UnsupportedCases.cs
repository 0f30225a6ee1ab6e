namespace AdvScan.Engine.Tests.Conformance;

/// <summary>
/// The one place that says which conformance cases are not expected to pass, and why. The tests assert that every
/// case listed here fails with a clear error and every case not listed passes, so these lists cannot go stale.
/// </summary>
internal static class UnsupportedCases
{
    /// <summary>Cases the engine deliberately refuses (import or first run fails with InvalidInputException).</summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };

    /// <summary>
    /// Cases ONNX Runtime 1.31 cannot load: it no longer ships kernels for ops at versions before opset 7 (the
    /// legacy broadcast=1/axis semantics and BatchNormalization/PRelu/Gemm/AveragePool-1..6). The engine still
    /// runs them; only the harness sanity check against ONNX Runtime skips them, and asserts that ONNX Runtime
    /// does refuse them.
    /// </summary>
    public static readonly IReadOnlySet<string> OnnxRuntimeLacksLegacyKernels = new HashSet<string>(StringComparer.Ordinal)
    {
        "pytorch-converted/test_AvgPool1d",
        "pytorch-converted/test_AvgPool1d_stride",
        "pytorch-converted/test_AvgPool2d",
        "pytorch-converted/test_AvgPool2d_stride",
        "pytorch-converted/test_AvgPool3d",
        "pytorch-converted/test_AvgPool3d_stride",
        "pytorch-converted/test_AvgPool3d_stride1_pad0_gpu_input",
        "pytorch-converted/test_BatchNorm1d_3d_input_eval",
        "pytorch-converted/test_BatchNorm2d_eval",
        "pytorch-converted/test_BatchNorm2d_momentum_eval",
        "pytorch-converted/test_BatchNorm3d_eval",
        "pytorch-converted/test_BatchNorm3d_momentum_eval",
        "pytorch-converted/test_GLU",
        "pytorch-converted/test_GLU_dim",
        "pytorch-converted/test_Linear",
        "pytorch-converted/test_PReLU_1d",
        "pytorch-converted/test_PReLU_1d_multiparam",
        "pytorch-converted/test_PReLU_2d",
        "pytorch-converted/test_PReLU_2d_multiparam",
        "pytorch-converted/test_PReLU_3d",
        "pytorch-converted/test_PReLU_3d_multiparam",
        "pytorch-converted/test_PoissonNLLLLoss_no_reduce",
        "pytorch-converted/test_Softsign",
        "pytorch-operator/test_operator_add_broadcast",
        "pytorch-operator/test_operator_add_size1_broadcast",
        "pytorch-operator/test_operator_add_size1_right_broadcast",
        "pytorch-operator/test_operator_add_size1_singleton_broadcast",
        "pytorch-operator/test_operator_addconstant",
        "pytorch-operator/test_operator_addmm",
        "pytorch-operator/test_operator_basic",
        "pytorch-operator/test_operator_mm",
        "pytorch-operator/test_operator_non_float_params",
        "pytorch-operator/test_operator_params",
        "pytorch-operator/test_operator_pow",
    };
}
