(** What the cross-check cases generated from the Python compiler use (proofs/coq_cases.py):
    rationals written n/d, vectors compared entry by entry, and an environment given as a list
    (index 0 first: the innermost, i.e. last declared, context variable). *)
From Coq Require Import List Arith ZArith QArith Qcanon Bool.
From Cajal Require Import Vec Syntax Compile Direct Correct Decide.
Import ListNotations.

Definition q (n : Z) (d : positive) : Qc := Q2Qc (Qmake n d).

Fixpoint veqb (v w : vec) : bool :=
  match v, w with
  | [], [] => true
  | a :: v', b :: w' => Qc_eq_bool a b && veqb v' w'
  | _, _ => false
  end.

Lemma veqb_correct v w : veqb v w = true -> v = w.
Proof.
  revert w. induction v as [|a v IH]; intros [|b w]; simpl; try discriminate; auto.
  intros H. apply andb_true_iff in H as [H1 H2].
  f_equal; [now apply Qc_eq_bool_correct | now apply IH].
Qed.

Definition env_of (l : list vec) : nat -> vec := fun k => nth k l [].

(** [compile K (env_of l) t = expected], decided by computation. *)
Lemma by_computation K l t expected :
  veqb (compile K (env_of l) t) expected = true -> compile K (env_of l) t = expected.
Proof. apply veqb_correct. Qed.

(** The fuel of the cases' evaluations: it bounds the nesting depth, not the number of steps. *)
Definition FUEL : nat := 1000.

(** T2's corollary for one concrete program: the checker accepts it at a ground type and the
    evaluator finds its value v with peak ≤ K, so it compiles to enc(v). *)
Lemma closed_ground_instance K t A v p :
  tc [] t = Some A -> ground_b A = true -> eval FUEL [] t = Some (v, p) -> Nat.leb p K = true ->
  compile_closed K t = enc K v.
Proof.
  intros Ht HA Hev Hp. apply (T2_closed_ground K t A v p).
  - now apply tc_sound.
  - destruct A; simpl in HA; simpl; auto; discriminate.
  - now apply (eval_sound FUEL).
  - now apply Nat.leb_le.
Qed.

Definition peak_of (r : option (val * nat)) : option nat := option_map snd r.
