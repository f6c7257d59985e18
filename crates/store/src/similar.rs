//! Grouping logged questions that are worded alike, for the gap reports.

use crate::records::Gap;

/// Groups questions whose words mostly overlap (Jaccard ≥ 0.6), most asked first.
pub(crate) fn group_similar(texts: Vec<(String, Option<String>)>) -> Vec<Gap> {
    struct Group {
        words: Vec<String>,
        example: String,
        count: usize,
        topic: Option<String>,
    }
    // The log keeps questions as the engine read them (`Answer::read_as`):
    // lower-case words joined by single spaces, so they are not split again.
    fn words(text: &str) -> Vec<String> {
        let mut w: Vec<String> = text.split(' ').filter(|w| w.len() > 2).map(str::to_owned).collect();
        w.sort();
        w.dedup();
        w
    }
    fn similar(a: &[String], b: &[String]) -> bool {
        if a.is_empty() || b.is_empty() {
            return a == b;
        }
        let common = a.iter().filter(|w| b.contains(w)).count();
        common as f32 / (a.len() + b.len() - common) as f32 >= 0.6
    }
    let mut groups: Vec<Group> = Vec::new();
    for (text, topic) in texts {
        let w = words(&text);
        match groups.iter_mut().find(|g| similar(&g.words, &w)) {
            Some(g) => g.count += 1,
            None => groups.push(Group { words: w, example: text, count: 1, topic }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups.into_iter().map(|g| Gap { example: g.example, count: g.count, answered_as: g.topic }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_questions_group_together() {
        let gaps = group_similar(vec![
            ("is rust faster than go".into(), None),
            ("how do I deploy to heroku".into(), None),
            ("is rust faster than go?".into(), None),
            ("rust faster than go".into(), None),
        ]);
        assert_eq!(gaps[0].count, 3);
        assert_eq!(gaps[1].count, 1);
    }
}
