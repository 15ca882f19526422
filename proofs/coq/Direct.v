(** The direct semantics of SPEC §4 with its peak, as a big-step relation over closures, and T1.

    [ev g t v p]: in the environment g (a value per de Bruijn index), t evaluates to v, and the
    largest natural number the evaluation constructed is p — [zero], [succ] results and iteration
    states and base of type Nat, as the Python interpreter records them ([evaluate_tracking]).
    Only the taken branch of an [if] is evaluated, and a function body only when applied, so the
    peak counts the path the program takes.  The relation is unbounded (D(Nat) = ℕ); the bound K
    enters only in T2, as "peak ≤ K". *)
From Coq Require Import List Arith Lia.
From Cajal Require Import Vec Syntax.
Import ListNotations.

Inductive val : Type :=
| VB (b : bool)
| VN (n : nat)
| VC (g : list val) (A : ty) (body : tm)
| VO (v : vec).  (** a value of an opaque type: an array supplied from outside (SPEC §2) *)

Definition vpeak (v : val) : nat := match v with VN n => n | _ => 0 end.

Inductive ev : list val -> tm -> val -> nat -> Prop :=
| E_Var g n v : nth_error g n = Some v -> ev g (Var n) v 0
| E_True g : ev g Tru (VB true) 0
| E_False g : ev g Fls (VB false) 0
| E_Zero g : ev g Zero (VN 0) 0
| E_Succ g t m p : ev g t (VN m) p -> ev g (Succ t) (VN (S m)) (Nat.max p (S m))
| E_IfT g c u1 u2 v p q :
    ev g c (VB true) p -> ev g u1 v q -> ev g (If c u1 u2) v (Nat.max p q)
| E_IfF g c u1 u2 v p q :
    ev g c (VB false) p -> ev g u2 v q -> ev g (If c u1 u2) v (Nat.max p q)
| E_Lam g A t : ev g (Lam A t) (VC g A t) 0
| E_App g t u d A body a v p q r :
    ev g t (VC d A body) p -> ev g u a q -> ev (a :: d) body v r ->
    ev g (App t u) v (Nat.max p (Nat.max q r))
| E_Iter g t u0 u1 n a0 v p q r :
    ev g t (VN n) p -> ev g u0 a0 q -> iter_ev g u1 n a0 v r ->
    ev g (Iter t u0 u1) v (Nat.max p (Nat.max q (Nat.max (vpeak a0) r)))
(** [iter_ev g u1 n a0 v r]: n rounds of the step u1 from a0 reach v, with peak r. *)
with iter_ev : list val -> tm -> nat -> val -> val -> nat -> Prop :=
| I_Zero g u1 a : iter_ev g u1 0 a a 0
| I_Succ g u1 n a a' a'' p q :
    iter_ev g u1 n a a' p -> ev (a' :: g) u1 a'' q ->
    iter_ev g u1 (S n) a a'' (Nat.max p (Nat.max q (vpeak a''))).

(** * T1: the direct semantics is total on well-typed terms (Tait's computable values) *)

Fixpoint C (A : ty) (v : val) : Prop :=
  match A, v with
  | TBool, VB _ => True
  | TNat, VN _ => True
  | TOpq _, VO _ => True
  | TArr A B, VC g _ body => forall a, C A a -> exists v p, ev (a :: g) body v p /\ C B v
  | _, _ => False
  end.

Definition Cenv (G : lctx) (g : list val) : Prop :=
  forall x A, has G x A -> exists a, nth_error g x = Some a /\ C A a.

Lemma Cenv_cons G g A a : Cenv G g -> C A a -> Cenv (Some A :: G) (a :: g).
Proof.
  intros H Ha [|x] B Hx; unfold has in Hx; simpl in *.
  - inversion Hx; subst. eauto.
  - now apply H.
Qed.

Lemma Cenv_split_l G G1 G2 g : split G G1 G2 -> Cenv G g -> Cenv G1 g.
Proof. intros Hs H x B Hx. apply H. eapply split_has_l; eauto. Qed.

Lemma Cenv_split_r G G1 G2 g : split G G1 G2 -> Cenv G g -> Cenv G2 g.
Proof. intros Hs H x B Hx. apply H. eapply split_has_r; eauto. Qed.

(** T1 (SPEC §6): every well-typed term evaluates, in every environment of values of the
    context's types, to a value of its type.  Function values are total functions: applied to a
    value of the argument type, they evaluate to a value of the result type. *)
Theorem T1_total G t A : lty G t A ->
  forall g, Cenv G g -> exists v p, ev g t v p /\ C A v.
Proof.
  induction 1; intros g Hg.
  - destruct (Hg n A) as [a [Ha HC]]; [eapply single_has_self; eauto|].
    exists a, 0. split; auto. now constructor.
  - exists (VB true), 0. split; [constructor|exact I].
  - exists (VB false), 0. split; [constructor|exact I].
  - exists (VN 0), 0. split; [constructor|exact I].
  - destruct (IHlty g Hg) as [v [p [Hev HC]]]. destruct v; try contradiction.
    eexists _, _. split; [econstructor; eauto|exact I].
  - destruct (IHlty1 g (Cenv_split_l _ _ _ _ H Hg)) as [[b| | |] [p [Hc HC]]]; try contradiction.
    destruct b.
    + destruct (IHlty2 g (Cenv_split_r _ _ _ _ H Hg)) as [v [q [Hv HCv]]].
      eexists _, _. split; [eapply E_IfT; eauto|auto].
    + destruct (IHlty3 g (Cenv_split_r _ _ _ _ H Hg)) as [v [q [Hv HCv]]].
      eexists _, _. split; [eapply E_IfF; eauto|auto].
  - eexists _, 0. split; [constructor|]. simpl. intros a Ha.
    apply IHlty. now apply Cenv_cons.
  - destruct (IHlty1 g (Cenv_split_l _ _ _ _ H Hg)) as [[| |d A' body|] [p [Ht HCt]]];
      try contradiction.
    destruct (IHlty2 g (Cenv_split_r _ _ _ _ H Hg)) as [a [q [Hu HCu]]].
    destruct (HCt a HCu) as [v [r [Hb HCv]]].
    eexists _, _. split; [eapply E_App; eauto|auto].
  - pose proof (Cenv_split_r _ _ _ _ H Hg) as Hg'.
    destruct (IHlty1 g (Cenv_split_l _ _ _ _ H Hg)) as [[|n| |] [p [Ht HCt]]]; try contradiction.
    destruct (IHlty2 g (Cenv_split_l _ _ _ _ H0 Hg')) as [a0 [q [Hu HCu]]].
    assert (Hit : forall m, exists v r, iter_ev g u1 m a0 v r /\ C A v).
    { induction m.
      - exists a0, 0. split; [constructor|auto].
      - destruct IHm as [a [r [Hi HCa]]].
        destruct (IHlty3 (a :: g)) as [v [s [Hs HCv]]].
        + apply Cenv_cons; auto. eapply Cenv_split_r; eauto.
        + eexists _, _. split; [eapply I_Succ; eauto|auto]. }
    destruct (Hit n) as [v [r [Hi HCv]]].
    eexists _, _. split; [eapply E_Iter; eauto|auto].
Qed.

(** Closed programs of ground type evaluate to a boolean or a number. *)
Corollary T1_closed t A : lty [] t A -> exists v p, ev [] t v p /\ C A v.
Proof.
  intros H. apply (T1_total _ _ _ H). intros x B Hx. unfold has in Hx. destruct x; discriminate.
Qed.
