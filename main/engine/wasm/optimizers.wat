;; The optimizers' update rules in float32 SIMD, exactly as torch.optim computes them (weight decay 0).
;; Every array is float32, 16-byte aligned, and padded to a multiple of 4 values by the caller, so the
;; loops have no tail. Arguments are byte offsets into this module's memory, and the value count.
(module
  (memory (export "memory") 1)

  ;; torch.optim.SGD: p ← p − lr·g
  (func (export "sgd") (param $p i32) (param $g i32) (param $n i32) (param $lr f32)
    (local $i i32) (local $end i32) (local $vlr v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
                   (f32x4.mul (local.get $vlr) (v128.load (i32.add (local.get $g) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))

  ;; torch.optim.SGD with momentum μ, dampening 0: b ← μ·b + g; p ← p − lr·b
  (func (export "momentum") (param $p i32) (param $b i32) (param $g i32) (param $n i32) (param $lr f32) (param $mu f32)
    (local $i i32) (local $end i32) (local $vlr v128) (local $vmu v128) (local $vb v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmu (f32x4.splat (local.get $mu)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $vb (f32x4.add (f32x4.mul (local.get $vmu) (v128.load (i32.add (local.get $b) (local.get $i))))
                                (v128.load (i32.add (local.get $g) (local.get $i)))))
      (v128.store (i32.add (local.get $b) (local.get $i)) (local.get $vb))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i))) (f32x4.mul (local.get $vlr) (local.get $vb))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))

  ;; torch.optim.RMSprop(alpha = ρ), optionally with momentum μ (μ = 0: without):
  ;;   v ← ρ·v + (1−ρ)·g²;  a ← √v + eps
  ;;   μ = 0: p ← p − lr·(g/a);   μ > 0: b ← μ·b + g/a; p ← p − lr·b
  (func (export "rmsprop") (param $p i32) (param $b i32) (param $v i32) (param $g i32) (param $n i32)
        (param $lr f32) (param $mu f32) (param $rho f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $vlr v128) (local $vmu v128) (local $vrho v128) (local $vkeep v128) (local $veps v128)
    (local $vg v128) (local $vv v128) (local $step v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmu (f32x4.splat (local.get $mu)))
    (local.set $vrho (f32x4.splat (local.get $rho)))
    (local.set $vkeep (f32x4.splat (f32.sub (f32.const 1) (local.get $rho))))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $vg (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $vv (f32x4.add (f32x4.mul (local.get $vrho) (v128.load (i32.add (local.get $v) (local.get $i))))
                                (f32x4.mul (local.get $vkeep) (f32x4.mul (local.get $vg) (local.get $vg)))))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
      (local.set $step (f32x4.div (local.get $vg) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $veps))))
      (if (f32.gt (local.get $mu) (f32.const 0))
        (then
          (local.set $step (f32x4.add (f32x4.mul (local.get $vmu) (v128.load (i32.add (local.get $b) (local.get $i)))) (local.get $step)))
          (v128.store (i32.add (local.get $b) (local.get $i)) (local.get $step))))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i))) (f32x4.mul (local.get $vlr) (local.get $step))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))

  ;; torch.optim.Adam, bias-corrected: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
  ;;   p ← p − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + eps)   — stepSize and bc2Sqrt come from the caller.
  (func (export "adam") (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
        (param $b1 f32) (param $b2 f32) (param $stepSize f32) (param $bc2Sqrt f32) (param $eps f32)
    (local $i i32) (local $end i32)
    (local $vb1 v128) (local $vb2 v128) (local $vk1 v128) (local $vk2 v128) (local $vstep v128) (local $vbc2 v128) (local $veps v128)
    (local $vg v128) (local $vm v128) (local $vv v128)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vk1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $vk2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $vstep (f32x4.splat (local.get $stepSize)))
    (local.set $vbc2 (f32x4.splat (local.get $bc2Sqrt)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $vg (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $vm (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
                                (f32x4.mul (local.get $vk1) (local.get $vg))))
      (local.set $vv (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
                                (f32x4.mul (local.get $vk2) (f32x4.mul (local.get $vg) (local.get $vg)))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $vm))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
                   (f32x4.mul (local.get $vstep)
                              (f32x4.div (local.get $vm)
                                         (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $vbc2)) (local.get $veps))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))
)
