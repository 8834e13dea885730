"""PyTorch eager fp32 + PEFT peer for `npm run bench` on the same GPU (the H200 device machine).

Prints one JSON line: step times (ms) for BERT-small and BERT-base shapes, full fine-tuning and LoRA r=8 on
query/value, batch 16 x 128 tokens, dropout 0.1 (BERT's default, as in our bench), AdamW, TF32 off. Usage: python3 test/bench/torch_peer.py
"""
import json
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import BertConfig, BertForSequenceClassification

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"
SHAPES = {
    "small": dict(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024),
    "base": dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072),
}


def step_ms(model, reps=20):
    ids = torch.randint(0, 1000, (16, 128), device=dev)
    labels = torch.zeros(16, dtype=torch.long, device=dev)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    for _ in range(3):
        opt.zero_grad()
        model(input_ids=ids, labels=labels).loss.backward()
        opt.step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        opt.zero_grad()
        model(input_ids=ids, labels=labels).loss.backward()
        opt.step()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000 / reps


out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
for name, shape in SHAPES.items():
    torch.manual_seed(0)
    # BERT's default dropout (0.1 on hidden states, attention probabilities and the classifier), as our bench's
    # model has: both sides do the same work.
    cfg = BertConfig(vocab_size=1000, max_position_embeddings=512, num_labels=2, **shape)
    out[f"{name}/full"] = step_ms(BertForSequenceClassification(cfg).to(dev).train())
    lora = get_peft_model(BertForSequenceClassification(cfg), LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"],
                                                                           task_type="SEQ_CLS")).to(dev).train()
    out[f"{name}/lora"] = step_ms(lora)
print(json.dumps(out))
