//! `/recommend`: a use case plus the team's situation, weighed into one pick.
//!
//! The weights live in the pack (`recommend.toml`); this module only adds
//! them up. Each factor that weighed in becomes a line of the answer, so the
//! pick is never a black box.

use super::Engine;
use crate::knowledge::{Pick, TopicIdx, UseCaseIdx};

/// A `/recommend` request: the use case (if one was recognised) and the
/// chosen value of each factor, by factor position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub use_case: Option<UseCaseIdx>,
    /// `(factor index, choice index)` pairs.
    pub choices: Vec<(usize, usize)>,
}

pub use crate::answer::{Reason, Recommendation};

impl Engine {
    /// Weighs a request into a pick. `None` when nothing was given to weigh.
    pub fn recommend(&self, request: &Request) -> Option<Recommendation> {
        let pack = self.pack();
        let n = pack.contenders.len();
        let mut totals = vec![0.0f32; n];
        let mut reasons = Vec::new();
        let mut topics: Vec<TopicIdx> = Vec::new();
        let add = |favours: Pick, weight: f32, totals: &mut Vec<f32>| match favours {
            Pick::Contender(c) => totals[c.0] += weight,
            Pick::Either => totals.iter_mut().for_each(|t| *t += weight / n as f32),
        };
        if let Some(uc) = request.use_case {
            let u = pack.use_case(uc);
            let weight = u.weight.unwrap_or(pack.recommend.use_case_weight);
            add(u.pick, weight, &mut totals);
            reasons.push(Reason { label: u.name.clone(), text: u.reason.clone(), favours: u.pick, weight });
            topics.extend(u.topics.iter().copied());
        }
        for &(f, c) in &request.choices {
            let factor = &pack.recommend.factors[f];
            let choice = &factor.choices[c];
            add(choice.favours, choice.weight, &mut totals);
            reasons.push(Reason {
                label: format!("{}: {}", factor.description, choice.name),
                text: choice.reason.clone(),
                favours: choice.favours,
                weight: choice.weight,
            });
            if !topics.contains(&choice.topic) {
                topics.push(choice.topic);
            }
        }
        if reasons.is_empty() {
            return None;
        }
        let best = totals.iter().copied().fold(f32::MIN, f32::max);
        let leaders: Vec<usize> = (0..n).filter(|&i| (totals[i] - best).abs() < 1e-3).collect();
        let pick = match leaders.as_slice() {
            [one] => Pick::Contender(crate::knowledge::ContenderIdx(*one)),
            _ => Pick::Either,
        };
        topics.truncate(5);
        Some(Recommendation { pick, reasons, totals, topics, use_case: request.use_case })
    }
}
