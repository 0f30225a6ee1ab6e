using AdvScan.Runtime;
using AdvScan.Training;

namespace AdvScan.Training.Tests;

public sealed class ArchitectureTests
{
    [Theory]
    [InlineData("mnist-cnn")]
    [InlineData("fashion-cnn")]
    [InlineData("signs-cnn")]
    public void Untrained_model_maps_a_batch_of_images_to_one_logit_per_class_in_onnx_runtime(string name)
    {
        var architecture = Architectures.Get(name);
        var input = new HostTensor(new float[3 * architecture.Channels * architecture.Height * architecture.Width],
            [3, architecture.Channels, architecture.Height, architecture.Width]);

        using var session = ReferenceSession.Open(architecture.Build(seed: 1));
        var logits = session.RunFirst(input);

        Assert.Equal([3L, architecture.ClassCount], logits.Shape);
    }

    [Fact]
    public void Same_seed_builds_the_same_bytes_and_another_seed_other_weights()
    {
        var a = Architectures.SignsCnn.Build(seed: 4).ToBytes();

        Assert.Equal(a, Architectures.SignsCnn.Build(seed: 4).ToBytes());
        Assert.NotEqual(a, Architectures.SignsCnn.Build(seed: 5).ToBytes());
    }

    [Fact]
    public void Weights_are_he_initialised_and_biases_zero()
    {
        var weights = Architectures.MnistCnn.Build(seed: 1).DecodeInitializers().ToDictionary(t => t.Name);

        var fc1 = (float[])weights["fc1.weight"].Data;
        double std = Math.Sqrt(fc1.Select(v => (double)v * v).Average());
        double expected = Math.Sqrt(2.0 / (32 * 7 * 7));
        Assert.InRange(std, expected * 0.97, expected * 1.03);
        Assert.All((float[])weights["fc1.bias"].Data, b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Unknown_architecture_is_bad_input_naming_the_known_ones()
    {
        var e = Assert.Throws<InvalidInputException>(() => Architectures.Get("resnet-9000"));

        Assert.Contains("mnist-cnn", e.Message);
    }
}
