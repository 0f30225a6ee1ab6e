namespace MnistGate;

/// <summary>Where the shipped digit classifiers live; the build only produces this library if their gates pass.</summary>
public static class DigitModels
{
    /// <summary>The undefended CNN (input [batch, 1, 28, 28] in [0,1], logits for digits 0..9).</summary>
    public static string StandardCnn => Path.Combine(AppContext.BaseDirectory, "models", "mnist-cnn.onnx");

    /// <summary>The adversarially trained CNN, when the build ships it.</summary>
    public static string RobustCnn => Path.Combine(AppContext.BaseDirectory, "models", "mnist-robust.onnx");
}
