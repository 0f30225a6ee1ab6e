namespace AdvScan.Checks.Tests.Backdoor;

/// <summary>The tests that share one Neural Cleanse run on mnist-badnets.</summary>
[CollectionDefinition(MnistBadnetsCleanse.Name)]
public sealed class MnistBadnetsCleanseCollection : ICollectionFixture<MnistBadnetsCleanse>;
