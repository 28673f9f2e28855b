"""Writes what the PyTorch parity tests compare against, with Debian's python3-torchvision (no download).

usage: torchvision_fixture.py OUT_DIR

OUT_DIR/resnet18.pth      torch.save(model.state_dict()) of a randomly initialised torchvision ResNet-18 (seed 1234),
                          classifier (fc.*) included, as a user's file would be
OUT_DIR/io.pth            {"input": 2x3x64x64 fixed input, "features": the model's pooled features (fc replaced by
                          Identity) in eval mode, "logits": the full model's output}
OUT_DIR/keys.txt          for every backbone: "arch key shape" lines of its state_dict (classifier included)
"""
import os
import sys

import torch
import torchvision


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    model = torchvision.models.resnet18()
    # Random init leaves BatchNorm at mean 0 / var 1; give the running statistics non-trivial values so eval mode is tested.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, "resnet18.pth"))
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        logits = model(x)
        model.fc = torch.nn.Identity()
        features = model(x)
    torch.save({"input": x, "features": features, "logits": logits}, os.path.join(out, "io.pth"))

    lines = []
    builders = {
        "resnet18": torchvision.models.resnet18,
        "resnet34": torchvision.models.resnet34,
        "resnet50": torchvision.models.resnet50,
        "mobilenet_v2": torchvision.models.mobilenet_v2,
        "mobilenet_v3_small": torchvision.models.mobilenet_v3_small,
        "mobilenet_v3_large": torchvision.models.mobilenet_v3_large,
    }
    for name, build in builders.items():
        for key, value in build().state_dict().items():
            lines.append(f"{name} {key} {','.join(str(d) for d in value.shape)}")
    with open(os.path.join(out, "keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
