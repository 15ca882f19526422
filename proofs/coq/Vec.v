(** Vectors over the rationals and the compiler's primitives (SPEC §5).

    A vector is a list of canonical rationals ([Qc], so equality is Leibniz); [at_ v i] reads entry
    [i], 0 past the end.  Every primitive builds its result with [mkvec], so that two results are
    compared entry by entry ([vec_ext]).  Matrices are flattened row-major: entry (b, a) of a
    [dB × dA] matrix sits at index [b * dA + a] (SPEC §8). *)
From Coq Require Import List Arith Lia QArith Qcanon.
Import ListNotations.
Open Scope Qc_scope.

Definition vec := list Qc.
Definition at_ (v : vec) (i : nat) : Qc := nth i v 0.
Definition mkvec (d : nat) (f : nat -> Qc) : vec := map f (seq 0 d).

Fixpoint sumf (n : nat) (f : nat -> Qc) : Qc :=
  match n with O => 0 | S n' => sumf n' f + f n' end.

(** The primitives, named as in the Python compiler ([cajal_ref/compiler/primitives.py]). *)
Definition basis (d k : nat) : vec := mkvec d (fun i => if Nat.eqb i k then 1 else 0).
Definition vzero (d : nat) : vec := mkvec d (fun _ => 0).
Definition vadd (v w : vec) : vec := mkvec (length v) (fun i => at_ v i + at_ w i).
Definition vscale (c : Qc) (v : vec) : vec := mkvec (length v) (fun i => c * at_ v i).
(** [succ]: the truncating shift, e_i ↦ e_(i+1), e_K ↦ 0. *)
Definition shift (v : vec) : vec :=
  mkvec (length v) (fun i => match i with O => 0 | S j => at_ v j end).
(** [if]: the linear neuron c_true·a1 + c_false·a2. *)
Definition mix (c a1 a2 : vec) : vec :=
  mkvec (length a1) (fun i => at_ c 0 * at_ a1 i + at_ c 1 * at_ a2 i).
(** Application: the contraction M·v of a row-major [dB × dA] matrix with a vector of length dA. *)
Definition apply (M v : vec) : vec :=
  let dA := length v in
  mkvec (length M / dA) (fun b => sumf dA (fun a => at_ M (b * dA + a) * at_ v a)).
(** [fun]: the matrix whose column j is [nth j cols], flattened row-major. *)
Definition abstract (dA : nat) (cols : list vec) : vec :=
  let dB := length (hd [] cols) in
  mkvec (dB * dA) (fun i => at_ (nth (i mod dA) cols []) (i / dA)).
(** The states h, S h, S² h, … of a recurrent neuron. *)
Fixpoint powers (n : nat) (S : vec) (h : vec) : list vec :=
  match n with O => [] | Datatypes.S n' => h :: powers n' S (apply S h) end.
Fixpoint pow (i : nat) (S : vec) (h : vec) : vec :=
  match i with O => h | Datatypes.S i' => apply S (pow i' S h) end.
(** [iter]: the recurrent sum Σ_i n_i·S^i·h over the K+1 coefficients of the count. *)
Definition recur (ns S h : vec) : vec :=
  let st := powers (length ns) S h in
  mkvec (length h) (fun r => sumf (length ns) (fun i => at_ ns i * at_ (nth i st []) r)).

(** * Entry-wise reasoning *)

Lemma mkvec_length d f : length (mkvec d f) = d.
Proof. unfold mkvec. now rewrite map_length, seq_length. Qed.

Lemma at_mkvec d f i : (i < d)%nat -> at_ (mkvec d f) i = f i.
Proof.
  intros H. unfold at_, mkvec.
  rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; lia).
  rewrite map_nth, seq_nth by lia. reflexivity.
Qed.

Lemma at_out v i : (length v <= i)%nat -> at_ v i = 0.
Proof. intros H. unfold at_. now apply nth_overflow. Qed.

Lemma at_mkvec_out d f i : (d <= i)%nat -> at_ (mkvec d f) i = 0.
Proof. intros H. apply at_out. now rewrite mkvec_length. Qed.

Lemma vec_ext v w :
  length v = length w -> (forall i, (i < length v)%nat -> at_ v i = at_ w i) -> v = w.
Proof. intros Hl H. apply nth_ext with (d := 0) (d' := 0); auto. Qed.

Lemma mkvec_ext d f g : (forall i, (i < d)%nat -> f i = g i) -> mkvec d f = mkvec d g.
Proof.
  intros H. apply vec_ext; rewrite !mkvec_length; auto.
  intros i Hi. rewrite !at_mkvec; auto.
Qed.

Lemma mkvec_at v : mkvec (length v) (at_ v) = v.
Proof. apply vec_ext; rewrite ?mkvec_length; auto. intros i Hi. now rewrite at_mkvec. Qed.

Lemma length_vadd v w : length (vadd v w) = length v.
Proof. apply mkvec_length. Qed.
Lemma length_vscale c v : length (vscale c v) = length v.
Proof. apply mkvec_length. Qed.
Lemma length_basis d k : length (basis d k) = d.
Proof. apply mkvec_length. Qed.
Lemma length_shift v : length (shift v) = length v.
Proof. apply mkvec_length. Qed.
Lemma length_mix c a1 a2 : length (mix c a1 a2) = length a1.
Proof. apply mkvec_length. Qed.
Lemma length_apply M v : length (apply M v) = (length M / length v)%nat.
Proof. apply mkvec_length. Qed.
Lemma length_recur ns S h : length (recur ns S h) = length h.
Proof. apply mkvec_length. Qed.

Lemma at_vadd v w i : length v = length w -> at_ (vadd v w) i = at_ v i + at_ w i.
Proof.
  intros H. unfold vadd. destruct (Nat.lt_ge_cases i (length v)).
  - now rewrite at_mkvec.
  - rewrite at_mkvec_out, !at_out by lia. ring.
Qed.

Lemma at_vscale c v i : at_ (vscale c v) i = c * at_ v i.
Proof.
  unfold vscale. destruct (Nat.lt_ge_cases i (length v)).
  - now rewrite at_mkvec.
  - rewrite at_mkvec_out, !at_out by lia. ring.
Qed.

Lemma at_basis d k i : (i < d)%nat -> at_ (basis d k) i = if Nat.eqb i k then 1 else 0.
Proof. apply at_mkvec. Qed.

(** * Finite sums *)

Lemma sumf_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumf n f = sumf n g.
Proof.
  induction n; simpl; intros H; auto.
  rewrite IHn by (intros; apply H; lia). now rewrite H by lia.
Qed.

Lemma sumf_add n f g : sumf n (fun i => f i + g i) = sumf n f + sumf n g.
Proof. induction n; simpl; [ring|]. rewrite IHn. ring. Qed.

Lemma sumf_scale n c f : sumf n (fun i => c * f i) = c * sumf n f.
Proof. induction n; simpl; [ring|]. rewrite IHn. ring. Qed.

Lemma sumf_zero n f : (forall i, (i < n)%nat -> f i = 0) -> sumf n f = 0.
Proof.
  induction n; simpl; intros H; auto. rewrite IHn, H by (auto; lia). ring.
Qed.

Lemma sumf_delta n k f : (k < n)%nat ->
  sumf n (fun i => (if Nat.eqb i k then 1 else 0) * f i) = f k.
Proof.
  induction n; intros Hk; [lia|]. simpl.
  destruct (Nat.eq_dec k n) as [->|Hne].
  - rewrite Nat.eqb_refl, sumf_zero.
    + ring.
    + intros i Hi. destruct (Nat.eqb_spec i n); [lia|ring].
  - rewrite IHn by lia. destruct (Nat.eqb_spec n k); [lia|ring].
Qed.

(** * The primitives on basis vectors: the T2 identities *)

Lemma shift_basis d m : shift (basis d m) = basis d (S m).
Proof.
  unfold shift. rewrite length_basis. apply mkvec_ext. intros i Hi.
  destruct i as [|j]; simpl.
  - reflexivity.
  - rewrite at_basis by lia. reflexivity.
Qed.

Lemma mix_true a1 a2 : mix (basis 2 0) a1 a2 = a1.
Proof.
  unfold mix. transitivity (mkvec (length a1) (at_ a1)); [|apply mkvec_at].
  apply mkvec_ext. intros i Hi.
  rewrite !at_basis by lia. simpl. ring.
Qed.

Lemma mix_false a1 a2 : length a1 = length a2 -> mix (basis 2 1) a1 a2 = a2.
Proof.
  intros H. unfold mix. rewrite H. transitivity (mkvec (length a2) (at_ a2)); [|apply mkvec_at].
  apply mkvec_ext. intros i Hi.
  rewrite !at_basis by lia. simpl. ring.
Qed.

Lemma nth_map_seq {X} (f : nat -> X) d j x : (j < d)%nat -> nth j (map f (seq 0 d)) x = f j.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; lia).
  rewrite map_nth, seq_nth by lia. reflexivity.
Qed.

Lemma hd_map_seq {X} (f : nat -> X) d x : (0 < d)%nat -> hd x (map f (seq 0 d)) = f 0%nat.
Proof. intros H. destruct d; [lia|]. reflexivity. Qed.

Lemma div_mod_row b a dA : (a < dA)%nat -> ((b * dA + a) / dA = b /\ (b * dA + a) mod dA = a)%nat.
Proof.
  intros H. split.
  - rewrite Nat.div_add_l by lia. rewrite Nat.div_small by lia. lia.
  - rewrite Nat.add_comm, Nat.mod_add by lia. now apply Nat.mod_small.
Qed.

Lemma length_abstract dA (f : nat -> vec) dB :
  (0 < dA)%nat -> length (f 0%nat) = dB ->
  length (abstract dA (map f (seq 0 dA))) = (dB * dA)%nat.
Proof.
  intros H Hl. unfold abstract. rewrite mkvec_length, hd_map_seq by lia. now rewrite Hl.
Qed.

(** Application of a compiled [fun] is the linear combination of its columns. *)
Lemma apply_abstract dA (f : nat -> vec) dB w :
  (0 < dA)%nat -> (forall j, length (f j) = dB) -> length w = dA ->
  apply (abstract dA (map f (seq 0 dA))) w =
  mkvec dB (fun b => sumf dA (fun a => at_ w a * at_ (f a) b)).
Proof.
  intros HdA Hl Hw. unfold apply. rewrite (length_abstract dA f dB) by auto.
  rewrite Hw, Nat.div_mul by lia. apply mkvec_ext. intros b Hb.
  apply sumf_ext. intros a Ha. unfold abstract.
  rewrite at_mkvec by (rewrite hd_map_seq, Hl by lia; nia).
  destruct (div_mod_row b a dA Ha) as [-> ->].
  rewrite nth_map_seq by lia. ring.
Qed.

Lemma apply_abstract_basis dA (f : nat -> vec) dB k :
  (0 < dA)%nat -> (forall j, length (f j) = dB) -> (k < dA)%nat ->
  apply (abstract dA (map f (seq 0 dA))) (basis dA k) = f k.
Proof.
  intros HdA Hl Hk. rewrite (apply_abstract dA f dB) by (auto; apply length_basis).
  apply vec_ext; rewrite mkvec_length; [now rewrite Hl|]. intros b Hb.
  rewrite at_mkvec by auto.
  rewrite (sumf_ext _ _ (fun a => (if Nat.eqb a k then 1 else 0) * at_ (f a) b)).
  - now rewrite sumf_delta.
  - intros a Ha. now rewrite at_basis.
Qed.

Lemma nth_powers n S h i : (i < n)%nat -> nth i (powers n S h) [] = pow i S h.
Proof.
  revert S h i. induction n; intros S h i Hi; [lia|].
  destruct i; simpl; auto.
  rewrite IHn by lia. clear. revert h. induction i; simpl; auto. intros h. now rewrite IHi.
Qed.

Lemma at_recur ns S h r : (r < length h)%nat ->
  at_ (recur ns S h) r = sumf (length ns) (fun i => at_ ns i * at_ (pow i S h) r).
Proof.
  intros H. unfold recur. rewrite at_mkvec by auto.
  apply sumf_ext. intros i Hi. now rewrite nth_powers.
Qed.

(** A step matrix of the right shape keeps the state's length. *)
Lemma length_pow i S h : (0 < length h)%nat -> length S = (length h * length h)%nat ->
  length (pow i S h) = length h.
Proof.
  intros H HS. induction i; simpl; auto.
  rewrite length_apply, IHi, HS, Nat.div_mul; lia.
Qed.

Lemma recur_basis_pow d k S h : (k < d)%nat -> (0 < length h)%nat ->
  length S = (length h * length h)%nat ->
  recur (basis d k) S h = pow k S h.
Proof.
  intros Hk Hh HS. apply vec_ext.
  - now rewrite length_recur, length_pow.
  - intros r Hr. rewrite length_recur in Hr. rewrite at_recur, length_basis by auto.
    rewrite (sumf_ext _ _ (fun i => (if Nat.eqb i k then 1 else 0) * at_ (pow i S h) r)).
    + now rewrite sumf_delta.
    + intros i Hi. now rewrite at_basis.
Qed.

(** * Linearity of each primitive: the T3 identities *)

#[global] Hint Rewrite length_vadd length_vscale length_mix length_shift length_apply length_recur
  mkvec_length length_basis : vlen.
Ltac vlen := autorewrite with vlen in *.

Lemma shift_add v w : length v = length w -> shift (vadd v w) = vadd (shift v) (shift w).
Proof.
  intros H. apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vadd by (vlen; auto). unfold shift. rewrite !at_mkvec by (vlen; lia).
  destruct i; [ring|]. now rewrite at_vadd.
Qed.

Lemma shift_scale c v : shift (vscale c v) = vscale c (shift v).
Proof.
  apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vscale. unfold shift. rewrite !at_mkvec by (vlen; lia).
  destruct i; [ring|]. now rewrite at_vscale.
Qed.

Lemma mix_add_c c c' a1 a2 : length c = length c' ->
  mix (vadd c c') a1 a2 = vadd (mix c a1 a2) (mix c' a1 a2).
Proof.
  intros H. apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vadd by (vlen; auto). unfold mix. rewrite !at_mkvec by auto.
  rewrite !at_vadd by auto. ring.
Qed.

Lemma mix_scale_c k c a1 a2 : mix (vscale k c) a1 a2 = vscale k (mix c a1 a2).
Proof.
  apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vscale. unfold mix. rewrite !at_mkvec by auto. rewrite !at_vscale. ring.
Qed.

Lemma mix_add_a c a1 a2 b1 b2 :
  length a1 = length b1 -> length a2 = length b2 ->
  mix c (vadd a1 b1) (vadd a2 b2) = vadd (mix c a1 a2) (mix c b1 b2).
Proof.
  intros H1 H2. apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vadd by (vlen; auto). unfold mix. rewrite !at_mkvec by (vlen; lia).
  rewrite !at_vadd by auto. ring.
Qed.

Lemma mix_scale_a c k a1 a2 :
  mix c (vscale k a1) (vscale k a2) = vscale k (mix c a1 a2).
Proof.
  apply vec_ext; vlen; auto. intros i Hi.
  rewrite at_vscale. unfold mix. rewrite !at_mkvec by (vlen; lia). rewrite !at_vscale. ring.
Qed.

Lemma apply_add_M M M' v : length M = length M' ->
  apply (vadd M M') v = vadd (apply M v) (apply M' v).
Proof.
  intros H. apply vec_ext; vlen; auto. intros b Hb.
  rewrite at_vadd by (vlen; congruence). unfold apply. rewrite !at_mkvec by (vlen; congruence).
  rewrite <- sumf_add. apply sumf_ext. intros a Ha. rewrite at_vadd by auto. ring.
Qed.

Lemma apply_scale_M k M v : apply (vscale k M) v = vscale k (apply M v).
Proof.
  apply vec_ext; vlen; auto. intros b Hb.
  rewrite at_vscale. unfold apply. rewrite !at_mkvec by (vlen; auto).
  rewrite <- sumf_scale. apply sumf_ext. intros a Ha. rewrite at_vscale. ring.
Qed.

Lemma apply_add_v M v w : length v = length w ->
  apply M (vadd v w) = vadd (apply M v) (apply M w).
Proof.
  intros H. apply vec_ext; vlen; [congruence|]. intros b Hb.
  rewrite at_vadd by (vlen; congruence). unfold apply. vlen.
  rewrite !at_mkvec by congruence.
  rewrite <- H, <- sumf_add. apply sumf_ext. intros a Ha. rewrite at_vadd by auto. ring.
Qed.

Lemma apply_scale_v M k v : apply M (vscale k v) = vscale k (apply M v).
Proof.
  apply vec_ext; vlen; auto. intros b Hb.
  rewrite at_vscale. unfold apply. vlen. rewrite !at_mkvec by auto.
  rewrite <- sumf_scale. apply sumf_ext. intros a Ha. rewrite at_vscale. ring.
Qed.

Lemma abstract_add dA (f g : nat -> vec) dB :
  (0 < dA)%nat -> (forall j, length (f j) = dB) -> (forall j, length (g j) = dB) ->
  abstract dA (map (fun j => vadd (f j) (g j)) (seq 0 dA)) =
  vadd (abstract dA (map f (seq 0 dA))) (abstract dA (map g (seq 0 dA))).
Proof.
  intros H Hf Hg. apply vec_ext.
  - rewrite length_vadd, !(length_abstract dA _ dB); auto. now rewrite length_vadd.
  - intros i Hi. rewrite (length_abstract dA _ dB) in Hi by (auto; now rewrite length_vadd).
    rewrite at_vadd by (rewrite !(length_abstract dA _ dB); auto).
    unfold abstract. rewrite !hd_map_seq by auto. rewrite length_vadd, !Hf, !Hg.
    rewrite !at_mkvec by auto.
    assert (i mod dA < dA)%nat by (apply Nat.mod_upper_bound; lia).
    rewrite !nth_map_seq by auto. apply at_vadd. now rewrite Hf, Hg.
Qed.

Lemma abstract_scale dA (f : nat -> vec) dB k :
  (0 < dA)%nat -> (forall j, length (f j) = dB) ->
  abstract dA (map (fun j => vscale k (f j)) (seq 0 dA)) =
  vscale k (abstract dA (map f (seq 0 dA))).
Proof.
  intros H Hf. apply vec_ext.
  - rewrite length_vscale, !(length_abstract dA _ dB); auto. now rewrite length_vscale.
  - intros i Hi. rewrite (length_abstract dA _ dB) in Hi by (auto; now rewrite length_vscale).
    rewrite at_vscale.
    unfold abstract. rewrite !hd_map_seq by auto. rewrite length_vscale, !Hf.
    rewrite !at_mkvec by auto.
    assert (i mod dA < dA)%nat by (apply Nat.mod_upper_bound; lia).
    rewrite !nth_map_seq by auto. apply at_vscale.
Qed.

Lemma recur_add_n n n' S h : length n = length n' ->
  recur (vadd n n') S h = vadd (recur n S h) (recur n' S h).
Proof.
  intros H. apply vec_ext.
  - now rewrite length_vadd, !length_recur.
  - intros r Hr. rewrite length_recur in Hr.
    rewrite at_vadd by (now rewrite !length_recur).
    rewrite !at_recur by auto. rewrite length_vadd, <- H, <- sumf_add.
    apply sumf_ext. intros i Hi. rewrite at_vadd by auto. ring.
Qed.

Lemma recur_scale_n k n S h : recur (vscale k n) S h = vscale k (recur n S h).
Proof.
  apply vec_ext.
  - now rewrite length_vscale, !length_recur.
  - intros r Hr. rewrite length_recur in Hr. rewrite at_vscale.
    rewrite !at_recur by auto. rewrite length_vscale, <- sumf_scale.
    apply sumf_ext. intros i Hi. rewrite at_vscale. ring.
Qed.

Lemma pow_add i S h h' : length h = length h' -> (0 < length h)%nat ->
  length S = (length h * length h)%nat ->
  pow i S (vadd h h') = vadd (pow i S h) (pow i S h').
Proof.
  intros H Hp HS. induction i; simpl; auto.
  rewrite IHi, apply_add_v; auto. rewrite !length_pow; auto; lia.
Qed.

Lemma pow_scale i S k h : pow i S (vscale k h) = vscale k (pow i S h).
Proof. induction i; simpl; auto. now rewrite IHi, apply_scale_v. Qed.

Lemma recur_add_h n S h h' : length h = length h' -> (0 < length h)%nat ->
  length S = (length h * length h)%nat ->
  recur n S (vadd h h') = vadd (recur n S h) (recur n S h').
Proof.
  intros H Hp HS. apply vec_ext.
  - now rewrite length_vadd, !length_recur, length_vadd.
  - intros r Hr. rewrite length_recur, length_vadd in Hr.
    rewrite at_vadd by (now rewrite !length_recur).
    rewrite !at_recur by (vlen; lia). rewrite <- sumf_add.
    apply sumf_ext. intros i Hi. rewrite pow_add, at_vadd by (rewrite ?length_pow; auto; lia). ring.
Qed.

Lemma recur_scale_h n S k h : recur n S (vscale k h) = vscale k (recur n S h).
Proof.
  apply vec_ext.
  - now rewrite length_vscale, !length_recur, length_vscale.
  - intros r Hr. rewrite length_recur, length_vscale in Hr. rewrite at_vscale.
    rewrite !at_recur by (vlen; lia). rewrite <- sumf_scale.
    apply sumf_ext. intros i Hi. rewrite pow_scale, at_vscale. ring.
Qed.

(** A linear map is determined by its images of basis vectors: f w = Σ_j w_j f(e_j). *)
Lemma linear_expand d dB (f : vec -> vec) w :
  (forall v, length v = d -> length (f v) = dB) ->
  (forall v v', length v = d -> length v' = d -> f (vadd v v') = vadd (f v) (f v')) ->
  (forall c v, length v = d -> f (vscale c v) = vscale c (f v)) ->
  (0 < d)%nat -> length w = d ->
  f w = mkvec dB (fun b => sumf d (fun j => at_ w j * at_ (f (basis d j)) b)).
Proof.
  intros Hl Hadd Hsc Hd Hw.
  set (P m := mkvec d (fun i => if Nat.ltb i m then at_ w i else 0)).
  assert (HP : forall m, length (P m) = d) by (intros; apply mkvec_length).
  assert (Hind : forall m, (m <= d)%nat ->
    f (P m) = mkvec dB (fun b => sumf m (fun j => at_ w j * at_ (f (basis d j)) b))).
  { induction m; intros Hm.
    - assert (P 0%nat = vscale 0 (basis d 0)) as ->.
      { apply vec_ext; [now rewrite HP, length_vscale, length_basis|].
        intros i Hi. rewrite HP in Hi. unfold P. rewrite at_mkvec, at_vscale by auto. simpl. ring. }
      rewrite Hsc by apply length_basis. apply vec_ext.
      + rewrite length_vscale, mkvec_length. apply Hl, length_basis.
      + intros i Hi. rewrite at_vscale. rewrite length_vscale, Hl in Hi by apply length_basis.
        rewrite at_mkvec by auto. simpl. ring.
    - assert (P (S m) = vadd (P m) (vscale (at_ w m) (basis d m))) as ->.
      { apply vec_ext; [now rewrite length_vadd, !HP|].
        intros i Hi. rewrite HP in Hi.
        rewrite at_vadd by (now rewrite HP, length_vscale, length_basis).
        unfold P. rewrite !at_mkvec by auto. rewrite at_vscale, at_basis by auto.
        destruct (Nat.ltb_spec i (S m)), (Nat.ltb_spec i m), (Nat.eqb_spec i m);
          subst; try lia; ring. }
      rewrite Hadd, Hsc, IHm by (rewrite ?HP, ?length_vscale, ?length_basis; auto; lia).
      apply vec_ext.
      + rewrite length_vadd, !mkvec_length. reflexivity.
      + intros b Hb. rewrite length_vadd, mkvec_length in Hb.
        rewrite at_vadd by (rewrite mkvec_length, length_vscale, Hl; auto; apply length_basis).
        rewrite at_vscale, !at_mkvec by auto. simpl. ring. }
  assert (HPd : P d = w).
  { apply vec_ext; [now rewrite HP|]. intros i Hi. rewrite HP in Hi. unfold P.
    rewrite at_mkvec by auto. destruct (Nat.ltb_spec i d); [reflexivity|lia]. }
  rewrite <- HPd at 1. rewrite Hind by lia. reflexivity.
Qed.
