namespace LeNet.Models;

/// <summary>The two LeNets with pretrained weights in the package.</summary>
public enum LeNetVariant
{
    /// <summary>The seed's network, <see cref="LeNetFactory.Create"/>: Sigmoid and AvgPool2d.</summary>
    Classic,

    /// <summary><see cref="LeNetFactory.CreateModern"/>: ReLU and MaxPool2d.</summary>
    Modern,
}
