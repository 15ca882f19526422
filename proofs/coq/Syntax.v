(** Types, terms and the linear typing of Cajal(⊸, 2, N) (SPEC §2–§3).

    Terms use de Bruijn indices: [Lam A t] binds index 0 in [t]; [Iter t u0 u1] binds the step
    variable y as index 0 in the step [u1].  Numerals are [Succ] towers, [let x = t in u] is
    [App (Lam A u) t], and a def is inlined as a copy of its closed body (SPEC §2), so neither
    needs a constructor.

    A linear context is a list of optional types, one entry per de Bruijn index: [Some A] is a
    variable of type A that the term must use exactly once, [None] a variable it must not use.
    Splitting a context Γ = Γ1, Γ2 sends each [Some] entry to exactly one side. *)
From Coq Require Import List Arith Lia Bool.
Import ListNotations.

(** [TOpq d]: an opaque base type of dimension d + 1 (SPEC §2: declared, e.g. [type Img], with no
    constructor; its values come from outside, as the learned networks of SPEC §7 supply them). *)
Inductive ty : Type := TBool | TNat | TArr (A B : ty) | TOpq (d : nat).

Definition ty_eq_dec (A B : ty) : {A = B} + {A <> B}.
Proof. decide equality. apply Nat.eq_dec. Defined.

Definition ground (A : ty) : Prop := match A with TBool | TNat => True | _ => False end.

(** The dimension of V(A) at the Nat bound K (SPEC §5): matrices of type A ⊸ B have dim B rows
    and dim A columns, flattened row-major. *)
Fixpoint dim (K : nat) (A : ty) : nat :=
  match A with TBool => 2 | TNat => S K | TArr A B => dim K B * dim K A | TOpq d => S d end.

Lemma dim_pos K A : 0 < dim K A.
Proof. induction A; simpl; nia. Qed.

Inductive tm : Type :=
| Var (n : nat)
| Tru | Fls | If (c u1 u2 : tm)
| Zero | Succ (t : tm)
| Lam (A : ty) (t : tm) | App (t u : tm)
| Iter (t u0 u1 : tm).

(** Whether index [x] occurs free in [t]. *)
Fixpoint occurs (x : nat) (t : tm) : bool :=
  match t with
  | Var n => Nat.eqb n x
  | Tru | Fls | Zero => false
  | If c u1 u2 => occurs x c || occurs x u1 || occurs x u2
  | Succ t => occurs x t
  | Lam _ t => occurs (S x) t
  | App t u => occurs x t || occurs x u
  | Iter t u0 u1 => occurs x t || occurs x u0 || occurs (S x) u1
  end.

(** Whether index [x] occurs free inside the step of some [iter] of [t]: then x is a recurrent
    weight of t (SPEC §3; [syntax.step_free_vars] in Python). *)
Fixpoint in_step (x : nat) (t : tm) : bool :=
  match t with
  | Var _ | Tru | Fls | Zero => false
  | If c u1 u2 => in_step x c || in_step x u1 || in_step x u2
  | Succ t => in_step x t
  | Lam _ t => in_step (S x) t
  | App t u => in_step x t || in_step x u
  | Iter t u0 u1 => in_step x t || in_step x u0 || occurs (S x) u1
  end.

Definition lctx := list (option ty).

Inductive split : lctx -> lctx -> lctx -> Prop :=
| split_nil : split [] [] []
| split_none G G1 G2 : split G G1 G2 -> split (None :: G) (None :: G1) (None :: G2)
| split_left A G G1 G2 : split G G1 G2 -> split (Some A :: G) (Some A :: G1) (None :: G2)
| split_right A G G1 G2 : split G G1 G2 -> split (Some A :: G) (None :: G1) (Some A :: G2).

Inductive empty : lctx -> Prop :=
| empty_nil : empty []
| empty_cons G : empty G -> empty (None :: G).

(** [single G n A]: G holds exactly the variable n, of type A. *)
Inductive single : lctx -> nat -> ty -> Prop :=
| single_here G A : empty G -> single (Some A :: G) 0 A
| single_there G n A : single G n A -> single (None :: G) (S n) A.

(** The rules of SPEC §3.  Lam and Iter carry the side condition of §3/§9: a variable bound by a
    [fun] (or [let]) or as a step variable that is a recurrent weight of its scope has type Bool or
    Nat. *)
Inductive lty : lctx -> tm -> ty -> Prop :=
| T_Var G n A : single G n A -> lty G (Var n) A
| T_True G : empty G -> lty G Tru TBool
| T_False G : empty G -> lty G Fls TBool
| T_Zero G : empty G -> lty G Zero TNat
| T_Succ G t : lty G t TNat -> lty G (Succ t) TNat
| T_If G G1 G2 c u1 u2 A :
    split G G1 G2 -> lty G1 c TBool -> lty G2 u1 A -> lty G2 u2 A -> lty G (If c u1 u2) A
| T_Lam G A B t :
    lty (Some A :: G) t B -> (in_step 0 t = true -> ground A) -> lty G (Lam A t) (TArr A B)
| T_App G G1 G2 t u A B :
    split G G1 G2 -> lty G1 t (TArr A B) -> lty G2 u A -> lty G (App t u) B
| T_Iter G G1 G' G2 G3 t u0 u1 A :
    split G G1 G' -> split G' G2 G3 ->
    lty G1 t TNat -> lty G2 u0 A -> lty (Some A :: G3) u1 A ->
    (in_step 0 u1 = true -> ground A) ->
    lty G (Iter t u0 u1) A.

(** * Context lemmas *)

Definition has (G : lctx) (x : nat) (A : ty) : Prop := nth_error G x = Some (Some A).
Definition hasnt (G : lctx) (x : nat) : Prop := forall A, ~ has G x A.

Lemma empty_hasnt G x : empty G -> hasnt G x.
Proof.
  intros H. revert x. induction H; intros x A Hx; unfold has in *.
  - destruct x; discriminate.
  - destruct x; simpl in Hx; [discriminate|]. eapply IHempty; eauto.
Qed.

Lemma single_has G n A x B : single G n A -> has G x B -> x = n /\ B = A.
Proof.
  intros H. revert x. induction H; intros x Hx; unfold has in *.
  - destruct x; simpl in Hx.
    + now inversion Hx.
    + exfalso. eapply empty_hasnt; eauto.
  - destruct x; simpl in Hx; [discriminate|]. destruct (IHsingle x Hx). split; congruence.
Qed.

Lemma single_has_self G n A : single G n A -> has G n A.
Proof. induction 1; unfold has in *; simpl; auto. Qed.

Lemma split_has G G1 G2 x A : split G G1 G2 -> has G x A ->
  (has G1 x A /\ hasnt G2 x) \/ (hasnt G1 x /\ has G2 x A).
Proof.
  intros H. revert x. unfold hasnt, has.
  induction H; intros x Hx.
  - destruct x; discriminate.
  - destruct x; simpl in *; [discriminate|]. apply IHsplit; auto.
  - destruct x; simpl in *; [|apply IHsplit; auto].
    left. split; [congruence|]. intros B HB; discriminate.
  - destruct x; simpl in *; [|apply IHsplit; auto].
    right. split; [|congruence]. intros B HB; discriminate.
Qed.

Lemma split_has_l G G1 G2 x A : split G G1 G2 -> has G1 x A -> has G x A.
Proof.
  intros H. revert x. unfold has. induction H; intros x Hx; destruct x; simpl in *; auto; discriminate.
Qed.

Lemma split_has_r G G1 G2 x A : split G G1 G2 -> has G2 x A -> has G x A.
Proof.
  intros H. revert x. unfold has. induction H; intros x Hx; destruct x; simpl in *; auto; discriminate.
Qed.

Lemma split_hasnt G G1 G2 x : split G G1 G2 -> hasnt G x -> hasnt G1 x /\ hasnt G2 x.
Proof.
  intros H Hn. split; intros A HA; apply (Hn A).
  - eapply split_has_l; eauto.
  - eapply split_has_r; eauto.
Qed.

Lemma hasnt_cons G x o : hasnt (o :: G) (S x) <-> hasnt G x.
Proof. unfold hasnt, has. simpl. tauto. Qed.

Lemma has_cons G x o A : has (o :: G) (S x) A <-> has G x A.
Proof. unfold has. simpl. tauto. Qed.

(** A well-typed term uses exactly the variables of its context. *)
Lemma lty_occurs G t A : lty G t A ->
  (forall x, hasnt G x -> occurs x t = false) /\ (forall x B, has G x B -> occurs x t = true).
Proof.
  induction 1; split; intros x; simpl.
  - intros Hn. destruct (Nat.eqb_spec n x); auto. subst. exfalso.
    eapply Hn, single_has_self; eauto.
  - intros C HB. destruct (single_has _ _ _ _ _ H HB). subst. apply Nat.eqb_refl.
  - auto.
  - intros C HB. exfalso. eapply empty_hasnt; eauto.
  - auto.
  - intros C HB. exfalso. eapply empty_hasnt; eauto.
  - auto.
  - intros C HB. exfalso. eapply empty_hasnt; eauto.
  - apply IHlty.
  - apply IHlty.
  - intros Hn. destruct (split_hasnt _ _ _ _ H Hn).
    rewrite (proj1 IHlty1), (proj1 IHlty2), (proj1 IHlty3); auto.
  - intros C HB. destruct (split_has _ _ _ _ _ H HB) as [[Ha Hb]|[Ha Hb]].
    + now rewrite (proj2 IHlty1 x C).
    + rewrite (proj2 IHlty2 x C); auto. now rewrite orb_true_r.
  - intros Hn. apply IHlty. now apply hasnt_cons.
  - intros C HB. apply (proj2 IHlty (S x) C). now apply has_cons.
  - intros Hn. destruct (split_hasnt _ _ _ _ H Hn).
    rewrite (proj1 IHlty1), (proj1 IHlty2); auto.
  - intros C HB. destruct (split_has _ _ _ _ _ H HB) as [[Ha Hb]|[Ha Hb]].
    + now rewrite (proj2 IHlty1 x C).
    + rewrite (proj2 IHlty2 x C); auto. apply orb_true_r.
  - intros Hn. destruct (split_hasnt _ _ _ _ H Hn) as [Hn1 Hn'].
    destruct (split_hasnt _ _ _ _ H0 Hn') as [Hn2 Hn3].
    rewrite (proj1 IHlty1), (proj1 IHlty2), (proj1 IHlty3); auto; now apply hasnt_cons.
  - intros C HB. destruct (split_has _ _ _ _ _ H HB) as [[Ha Hb]|[Ha Hb]].
    + now rewrite (proj2 IHlty1 x C).
    + destruct (split_has _ _ _ _ _ H0 Hb) as [[Hc Hd]|[Hc Hd]].
      * rewrite (proj2 IHlty2 x C); auto. now rewrite orb_true_r.
      * rewrite (proj2 IHlty3 (S x) C); [now rewrite !orb_true_r|]. now apply has_cons.
Qed.

Lemma in_step_occurs x t : in_step x t = true -> occurs x t = true.
Proof.
  revert x. induction t; intros x; simpl; try discriminate; rewrite ?orb_true_iff; intuition auto.
Qed.
