(** A type checker and an evaluator that compute, each proved sound for the relations of
    [Syntax] and [Direct].  The cross-check cases use them to show, by computation, that each
    program the Python checker accepted is well typed by [lty], and that the Python
    interpreter's value and peak are those of [ev]; T2 then applies to the case. *)
From Coq Require Import List Arith Lia Bool.
From Cajal Require Import Syntax Direct.
Import ListNotations.

(** * The checker: a context is split by which variables each premise mentions. *)

Fixpoint filt (G : lctx) (f : nat -> bool) : lctx :=
  match G with
  | [] => []
  | o :: G' => (if f 0 then o else None) :: filt G' (fun n => f (S n))
  end.

Lemma split_filt G f : split G (filt G f) (filt G (fun n => negb (f n))).
Proof.
  revert f. induction G as [|[A|] G IH]; intros f; simpl; [constructor| |].
  - destruct (f 0); simpl; constructor; apply IH.
  - destruct (f 0); simpl; constructor; apply IH.
Qed.

Fixpoint emptyb (G : lctx) : bool :=
  match G with [] => true | None :: G' => emptyb G' | Some _ :: _ => false end.

Lemma emptyb_sound G : emptyb G = true -> empty G.
Proof. induction G as [|[A|] G IH]; simpl; try discriminate; constructor; auto. Qed.

Fixpoint singleb (G : lctx) (n : nat) : option ty :=
  match G, n with
  | Some A :: G', 0 => if emptyb G' then Some A else None
  | None :: G', S m => singleb G' m
  | _, _ => None
  end.

Lemma singleb_sound G n A : singleb G n = Some A -> single G n A.
Proof.
  revert n. induction G as [|[B|] G IH]; intros [|n]; simpl; try discriminate.
  - destruct (emptyb G) eqn:E; [|discriminate]. intros H; inversion H; subst.
    constructor. now apply emptyb_sound.
  - intros H. constructor. auto.
Qed.

Definition ground_b (A : ty) : bool := match A with TBool | TNat => true | _ => false end.

Definition side_ok (t : tm) (A : ty) : bool := negb (in_step 0 t) || ground_b A.

Lemma side_ok_sound t A : side_ok t A = true -> in_step 0 t = true -> ground A.
Proof. unfold side_ok. intros H E. rewrite E in H. destruct A; simpl in *; auto; discriminate. Qed.

Definition ty_eqb (A B : ty) : bool := if ty_eq_dec A B then true else false.

Fixpoint tc (G : lctx) (t : tm) : option ty :=
  match t with
  | Var n => singleb G n
  | Tru | Fls => if emptyb G then Some TBool else None
  | Zero => if emptyb G then Some TNat else None
  | Succ t => match tc G t with Some TNat => Some TNat | _ => None end
  | If c u1 u2 =>
      let occ := fun n => occurs n c in
      match tc (filt G occ) c, tc (filt G (fun n => negb (occ n))) u1,
            tc (filt G (fun n => negb (occ n))) u2 with
      | Some TBool, Some A, Some A' => if ty_eqb A A' then Some A else None
      | _, _, _ => None
      end
  | Lam A t =>
      match tc (Some A :: G) t with
      | Some B => if side_ok t A then Some (TArr A B) else None
      | None => None
      end
  | App t u =>
      let occ := fun n => occurs n t in
      match tc (filt G occ) t, tc (filt G (fun n => negb (occ n))) u with
      | Some (TArr A B), Some A' => if ty_eqb A A' then Some B else None
      | _, _ => None
      end
  | Iter t u0 u1 =>
      let occ := fun n => occurs n t in
      let G' := filt G (fun n => negb (occ n)) in
      let occ0 := fun n => occurs n u0 in
      match tc (filt G occ) t, tc (filt G' occ0) u0 with
      | Some TNat, Some A =>
          match tc (Some A :: filt G' (fun n => negb (occ0 n))) u1 with
          | Some A' => if ty_eqb A A' && side_ok u1 A then Some A else None
          | None => None
          end
      | _, _ => None
      end
  end.

Lemma ty_eqb_sound A B : ty_eqb A B = true -> A = B.
Proof. unfold ty_eqb. destruct (ty_eq_dec A B); auto; discriminate. Qed.

(** Whatever the checker accepts is well typed by the rules of SPEC §3. *)
Theorem tc_sound t : forall G A, tc G t = Some A -> lty G t A.
Proof.
  induction t; intros G T H; simpl in H.
  - constructor. now apply singleb_sound.
  - destruct (emptyb G) eqn:E; inversion H; subst. constructor. now apply emptyb_sound.
  - destruct (emptyb G) eqn:E; inversion H; subst. constructor. now apply emptyb_sound.
  - destruct (tc _ t1) as [[| | |]|] eqn:E1; try discriminate.
    destruct (tc _ t2) as [A|] eqn:E2; try discriminate.
    destruct (tc _ t3) as [A'|] eqn:E3; try discriminate.
    destruct (ty_eqb A A') eqn:E; inversion H; subst. apply ty_eqb_sound in E. subst.
    eapply T_If; [apply split_filt|apply IHt1|apply IHt2|apply IHt3]; eauto.
  - destruct (emptyb G) eqn:E; inversion H; subst. constructor. now apply emptyb_sound.
  - destruct (tc G t) as [[| | |]|] eqn:E; inversion H; subst. constructor. auto.
  - destruct (tc _ t) as [B|] eqn:E; try discriminate.
    destruct (side_ok t A) eqn:S; inversion H; subst.
    constructor; auto. now apply side_ok_sound.
  - destruct (tc _ t1) as [[| |A B|]|] eqn:E1; try discriminate.
    destruct (tc _ t2) as [A'|] eqn:E2; try discriminate.
    destruct (ty_eqb A A') eqn:E; inversion H; subst. apply ty_eqb_sound in E. subst.
    eapply T_App; [apply split_filt|apply IHt1|apply IHt2]; eauto.
  - destruct (tc _ t1) as [[| | |]|] eqn:E1; try discriminate.
    destruct (tc _ t2) as [A|] eqn:E2; try discriminate.
    destruct (tc _ t3) as [A'|] eqn:E3; try discriminate.
    destruct (ty_eqb A A') eqn:E; simpl in H; [|discriminate].
    destruct (side_ok t3 A) eqn:S; inversion H; subst. apply ty_eqb_sound in E. subst.
    eapply T_Iter; [apply split_filt|apply split_filt|apply IHt1|apply IHt2|apply IHt3|];
      eauto. now apply side_ok_sound.
Qed.

(** * The evaluator, with fuel *)

Fixpoint eval (fuel : nat) (g : list val) (t : tm) {struct fuel} : option (val * nat) :=
  match fuel with
  | O => None
  | S f =>
      match t with
      | Var n => match nth_error g n with Some v => Some (v, 0) | None => None end
      | Tru => Some (VB true, 0)
      | Fls => Some (VB false, 0)
      | Zero => Some (VN 0, 0)
      | Succ t =>
          match eval f g t with Some (VN m, p) => Some (VN (S m), Nat.max p (S m)) | _ => None end
      | If c u1 u2 =>
          match eval f g c with
          | Some (VB b, p) =>
              match eval f g (if b then u1 else u2) with
              | Some (v, q) => Some (v, Nat.max p q)
              | None => None
              end
          | _ => None
          end
      | Lam A t => Some (VC g A t, 0)
      | App t u =>
          match eval f g t, eval f g u with
          | Some (VC d _ body, p), Some (a, q) =>
              match eval f (a :: d) body with
              | Some (v, r) => Some (v, Nat.max p (Nat.max q r))
              | None => None
              end
          | _, _ => None
          end
      | Iter t u0 u1 =>
          match eval f g t, eval f g u0 with
          | Some (VN n, p), Some (a0, q) =>
              let fix loop (n : nat) : option (val * nat) :=
                match n with
                | O => Some (a0, 0)
                | S m =>
                    match loop m with
                    | Some (a, r) =>
                        match eval f (a :: g) u1 with
                        | Some (a', s) => Some (a', Nat.max r (Nat.max s (vpeak a')))
                        | None => None
                        end
                    | None => None
                    end
                end in
              match loop n with
              | Some (v, r) => Some (v, Nat.max p (Nat.max q (Nat.max (vpeak a0) r)))
              | None => None
              end
          | _, _ => None
          end
      end
  end.

(** Whatever the evaluator computes is an evaluation of the direct semantics. *)
Theorem eval_sound fuel : forall g t v p, eval fuel g t = Some (v, p) -> ev g t v p.
Proof.
  induction fuel as [|f IH]; intros g t v p H; simpl in H; [discriminate|].
  destruct t.
  - destruct (nth_error g n) eqn:E; inversion H; subst. now constructor.
  - inversion H; subst. constructor.
  - inversion H; subst. constructor.
  - destruct (eval f g t1) as [[[b| | |] p0]|] eqn:E1; try discriminate.
    destruct (eval f g (if b then t2 else t3)) as [[v' q]|] eqn:E2; inversion H; subst.
    destruct b; [eapply E_IfT|eapply E_IfF]; eauto.
  - inversion H; subst. constructor.
  - destruct (eval f g t) as [[[|m| |] p0]|] eqn:E; inversion H; subst. constructor. auto.
  - inversion H; subst. constructor.
  - destruct (eval f g t1) as [[[| |d A body|] p0]|] eqn:E1; try discriminate;
    destruct (eval f g t2) as [[a q]|] eqn:E2; try discriminate.
    destruct (eval f (a :: d) body) as [[v' r]|] eqn:E3; inversion H; subst.
    eapply E_App; eauto.
  - destruct (eval f g t1) as [[[|n| |] p0]|] eqn:E1; try discriminate;
    destruct (eval f g t2) as [[a0 q]|] eqn:E2; try discriminate.
    match type of H with context [?L n] => destruct (L n) as [[v' r]|] eqn:E3 end;
      inversion H; subst.
    eapply E_Iter; eauto.
    clear H E1. revert v r E3. induction n; intros v r E3; simpl in E3.
    + inversion E3; subst. constructor.
    + match type of E3 with context [?L n] => destruct (L n) as [[a r0]|] eqn:E4 end;
        try discriminate.
      destruct (eval f (a :: g) t3) as [[a' s]|] eqn:E5; inversion E3; subst.
      eapply I_Succ; eauto.
Qed.
