using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// TorchSharp 0.107's Adam with a step that holds its Scalars explicitly. The library's own <c>step()</c> turns
/// beta1, 1 - beta1, 1 - beta2, sqrt(bias correction), eps and the step size into implicit Scalars
/// (<c>exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1)</c>, <c>addcdiv_(…, value: -step_size)</c>); a garbage
/// collection finalising one while libtorch reads it failed training, unlearning and Neural Cleanse runs ("Scalar.h:
/// toFloat"). The arithmetic here is the library's, call for call and with Scalars of the same types, so results are
/// bit-identical; options, state and learning-rate schedulers are the base class's. AdvScan sets no weight decay,
/// amsgrad or maximize, and this step refuses them rather than ignore them.
/// </summary>
public sealed class ScalarFreeAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : Adam(parameters, lr, beta1, beta2, eps)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        if (options.weight_decay is not (null or 0) || options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("ScalarFreeAdam implements plain Adam only (no weight decay, amsgrad or maximize)");
        double b1 = options.beta1!.Value, b2 = options.beta2!.Value, learningRate = options.LearningRate!.Value;
        using var beta1Scalar = b1.ToScalar();
        using var beta2Scalar = b2.ToScalar();
        using var keep1 = (1 - b1).ToScalar();
        using var keep2 = (1 - b2).ToScalar();
        using var epsScalar = options.eps!.Value.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            var state = (State)_state[parameter.Handle];
            var grad = parameter.grad;
            if (grad is null) continue;
            state.step += 1;
            double correction1 = 1 - Math.Pow(b1, state.step);
            double correction2 = 1 - Math.Pow(b2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, keep1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), keep2);
            using var root = Math.Sqrt(correction2).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div(root).add_(epsScalar, Scalars.One);
            using var stepSize = (-(learningRate / correction1)).ToScalar();
            parameter.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
