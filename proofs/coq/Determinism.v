(** The direct semantics is deterministic: a term has at most one value and one peak in a given
    environment.  With T1 (a value exists) and [eval_sound] (the evaluator's answer is one), the
    evaluator's answer — and the Python interpreter's, where the cross-check cases tie the two —
    is *the* value and peak of [ev]. *)
From Coq Require Import List Arith.
From Cajal Require Import Syntax Direct.
Import ListNotations.

Scheme ev_mut := Induction for ev Sort Prop
  with iter_ev_mut := Induction for iter_ev Sort Prop.
Combined Scheme ev_iter_mut from ev_mut, iter_ev_mut.

Ltac det_step :=
  repeat match goal with
  | IH : forall v' p', ev ?g ?t v' p' -> ?v = v' /\ ?p = p', H : ev ?g ?t ?w ?q |- _ =>
      tryif (constr_eq v w; constr_eq p q) then fail else (destruct (IH _ _ H); clear IH; subst)
  | IH : forall v' r', iter_ev ?g ?u ?n ?a v' r' -> ?v = v' /\ ?r = r',
    H : iter_ev ?g ?u ?n ?a ?w ?q |- _ =>
      tryif (constr_eq v w; constr_eq r q) then fail else (destruct (IH _ _ H); clear IH; subst)
  | E : VN _ = VN _ |- _ => injection E as E; subst
  | E : VB _ = VB _ |- _ => injection E as E; subst
  | E : VC _ _ _ = VC _ _ _ |- _ => injection E as E1 E2 E3; subst
  | E : true = false |- _ => discriminate E
  | E : false = true |- _ => discriminate E
  end.

Lemma ev_iter_det :
  (forall g t v p, ev g t v p -> forall v' p', ev g t v' p' -> v = v' /\ p = p') /\
  (forall g u n a v r, iter_ev g u n a v r ->
     forall v' r', iter_ev g u n a v' r' -> v = v' /\ r = r').
Proof.
  apply ev_iter_mut; intros;
    match goal with H : _ |- _ => inversion H; subst; clear H end; det_step; auto;
    split; congruence.
Qed.

(** Determinism of [ev]: the value and the peak are functions of the environment and the term. *)
Theorem ev_deterministic g t v p v' p' : ev g t v p -> ev g t v' p' -> v = v' /\ p = p'.
Proof. intros H H'. exact (proj1 ev_iter_det g t v p H v' p' H'). Qed.
