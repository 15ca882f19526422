(** Lemma 3 (substitution of a closed term), for the typing and the vector semantics.

    With de Bruijn indices and a closed u, [subst x u t] needs no shifting: index x becomes a
    hole, and the typing context keeps its slot as [None] ([clear]).  The vector equation holds
    for every term, whatever the number of occurrences of x (which Lemma 4, defs as inlining,
    needs); the typing half needs the linear derivation. *)
From Coq Require Import List Arith Lia Bool.
From Cajal Require Import Vec Syntax Compile Linear.
Import ListNotations.

Fixpoint subst (x : nat) (u : tm) (t : tm) : tm :=
  match t with
  | Var n => if Nat.eqb n x then u else Var n
  | Tru => Tru
  | Fls => Fls
  | Zero => Zero
  | If c u1 u2 => If (subst x u c) (subst x u u1) (subst x u u2)
  | Succ t => Succ (subst x u t)
  | Lam A t => Lam A (subst (S x) u t)
  | App t1 t2 => App (subst x u t1) (subst x u t2)
  | Iter t u0 u1 => Iter (subst x u t) (subst x u u0) (subst (S x) u u1)
  end.

Definition closed (u : tm) : Prop := forall n, occurs n u = false.

(** * The vector semantics: ⟦t[u/x]⟧ρ = ⟦t⟧ρ[x ↦ ⟦u⟧∅] *)

Theorem compile_subst K u : closed u ->
  forall t x rho, compile K rho (subst x u t) = compile K (upd rho x (compile_closed K u)) t.
Proof.
  intros Hu t. induction t; intros x rho; cbn [subst compile]; try reflexivity;
    try (rewrite ?IHt, ?IHt1, ?IHt2, ?IHt3; reflexivity).
  - unfold upd. destruct (Nat.eqb_spec n x); [|reflexivity].
    apply compile_env. intros m Hm. now rewrite Hu in Hm.
  - unfold lam_matrix. f_equal. apply map_ext. intros j.
    now rewrite IHt, compile_cons_upd.
  - rewrite IHt1, IHt2. unfold lam_matrix. do 2 f_equal. apply map_ext. intros j.
    now rewrite IHt3, compile_cons_upd.
Qed.

(** * Typing *)

Lemma subst_not_occurs u t : forall x, occurs x t = false -> subst x u t = t.
Proof.
  induction t; intros x H; simpl in *; rewrite ?orb_false_iff in H; f_equal; intuition auto.
  now rewrite H.
Qed.

Lemma occurs_subst u : closed u -> forall t x y, y <> x -> occurs y (subst x u t) = occurs y t.
Proof.
  intros Hu t. induction t; intros x y Hne; simpl; try reflexivity.
  - destruct (Nat.eqb_spec n x); [|reflexivity]. subst. rewrite Hu.
    symmetry. apply Nat.eqb_neq. auto.
  - now rewrite IHt1, IHt2, IHt3.
  - auto.
  - apply IHt. lia.
  - now rewrite IHt1, IHt2.
  - rewrite IHt1, IHt2, IHt3 by lia. reflexivity.
Qed.

Lemma in_step_closed u : closed u -> forall y, in_step y u = false.
Proof.
  intros Hu y. destruct (in_step y u) eqn:E; auto.
  apply in_step_occurs in E. now rewrite Hu in E.
Qed.

Lemma in_step_subst u : closed u -> forall t x y, y <> x -> in_step y (subst x u t) = in_step y t.
Proof.
  intros Hu t. induction t; intros x y Hne; simpl; try reflexivity.
  - destruct (Nat.eqb_spec n x); [|reflexivity]. now apply in_step_closed.
  - now rewrite IHt1, IHt2, IHt3.
  - auto.
  - apply IHt. lia.
  - now rewrite IHt1, IHt2.
  - rewrite IHt1, IHt2, (occurs_subst u Hu) by lia. reflexivity.
Qed.

(** [clear G x]: G with variable x removed (its slot set to [None]). *)
Fixpoint clear (G : lctx) (x : nat) : lctx :=
  match G, x with
  | [], _ => []
  | _ :: G', O => None :: G'
  | o :: G', S y => o :: clear G' y
  end.

Lemma clear_hasnt G x : hasnt G x -> clear G x = G.
Proof.
  revert x. induction G as [|o G IH]; intros [|x] H; simpl; auto.
  - destruct o as [A|]; auto. exfalso. apply (H A). reflexivity.
  - f_equal. apply IH. intros A HA. apply (H A). exact HA.
Qed.

Lemma split_clear G G1 G2 x : split G G1 G2 -> split (clear G x) (clear G1 x) (clear G2 x).
Proof.
  intros H. revert x. induction H; intros [|x]; simpl; try constructor; auto.
Qed.

Lemma empty_clear G x : empty G -> empty (clear G x).
Proof. intros H. revert x. induction H; intros [|x]; simpl; constructor; auto. Qed.

Lemma single_clear G x A : single G x A -> empty (clear G x).
Proof. induction 1; simpl; constructor; auto. Qed.

(** A closed term is typed in every context without variables. *)
Lemma split_app_empty G G1 G2 E : split G G1 G2 -> empty E -> split (G ++ E) (G1 ++ E) (G2 ++ E).
Proof. induction 1; intros HE; simpl; try constructor; auto. induction HE; constructor; auto. Qed.

Lemma empty_app G E : empty G -> empty E -> empty (G ++ E).
Proof. induction 1; intros HE; simpl; auto. constructor. auto. Qed.

Lemma lty_app_empty G t A : lty G t A -> forall E, empty E -> lty (G ++ E) t A.
Proof.
  induction 1; intros E HE.
  - constructor. induction H; simpl; constructor; auto. now apply empty_app.
  - constructor. now apply empty_app.
  - constructor. now apply empty_app.
  - constructor. now apply empty_app.
  - constructor. auto.
  - econstructor; [apply split_app_empty; eauto| | |]; auto.
  - constructor; [apply (IHlty E HE)|auto].
  - econstructor; [apply split_app_empty; eauto| |]; auto.
  - econstructor; [apply split_app_empty; eauto|apply split_app_empty; eauto| | |apply (IHlty3 E HE)|];
      auto.
Qed.

Lemma lty_closed_empty u A : lty [] u A -> forall E, empty E -> lty E u A.
Proof. intros H E HE. exact (lty_app_empty [] u A H E HE). Qed.

Lemma lty_closed u A : lty [] u A -> closed u.
Proof.
  intros H n. apply (proj1 (lty_occurs _ _ _ H)). intros B HB. unfold has in HB.
  destruct n; discriminate.
Qed.

(** Lemma 3, typing: substituting a closed term of x's type for x types in the context without x. *)
Theorem lty_subst u A : lty [] u A ->
  forall G t B x, lty G t B -> has G x A -> lty (clear G x) (subst x u t) B.
Proof.
  intros Hu. pose proof (lty_closed u A Hu) as Hc.
  assert (Gen : forall G t B, lty G t B -> forall x,
    (forall A', has G x A' -> A' = A) -> lty (clear G x) (subst x u t) B).
  { induction 1; intros x Hx; cbn [subst].
    - destruct (Nat.eqb_spec n x).
      + subst. rewrite (Hx A0 (single_has_self _ _ _ H)).
        apply lty_closed_empty; auto. eapply single_clear; eauto.
      + rewrite clear_hasnt; [now constructor|]. intros C HC.
        destruct (single_has _ _ _ _ _ H HC). congruence.
    - constructor. now apply empty_clear.
    - constructor. now apply empty_clear.
    - constructor. now apply empty_clear.
    - constructor. auto.
    - eapply T_If; [apply split_clear; eauto| | |];
        [apply IHlty1|apply IHlty2|apply IHlty3]; intros C HC; apply Hx;
        solve [eapply split_has_l; eauto | eapply split_has_r; eauto].
    - constructor; [apply (IHlty (S x)); intros C HC; apply Hx; now apply has_cons in HC|].
      rewrite in_step_subst by (auto; lia). auto.
    - eapply T_App; [apply split_clear; eauto| |];
        [apply IHlty1|apply IHlty2]; intros C HC; apply Hx;
        solve [eapply split_has_l; eauto | eapply split_has_r; eauto].
    - eapply T_Iter; [apply split_clear; eauto|apply split_clear; eauto| | | |].
      + apply IHlty1. intros C HC. apply Hx. eapply split_has_l; eauto.
      + apply IHlty2. intros C HC. apply Hx. eapply split_has_r; eauto. eapply split_has_l; eauto.
      + apply (IHlty3 (S x)). intros C HC. apply has_cons in HC. apply Hx.
        eapply split_has_r; eauto. eapply split_has_r; eauto.
      + rewrite in_step_subst by (auto; lia). auto. }
  intros G t B x Ht Hx. apply Gen; auto. intros A' HA'. unfold has in *. congruence.
Qed.

(** Lemma 3 for the compiler, stated with the typing: t[u/x] is well typed and compiles to
    ⟦t⟧ρ[x ↦ ⟦u⟧∅]. *)
Corollary subst_lemma K u A G t B x : lty [] u A -> lty G t B -> has G x A ->
  lty (clear G x) (subst x u t) B /\
  forall rho, compile K rho (subst x u t) = compile K (upd rho x (compile_closed K u)) t.
Proof.
  intros Hu Ht Hx. split; [eapply lty_subst; eauto|].
  intros rho. apply compile_subst. eapply lty_closed; eauto.
Qed.
